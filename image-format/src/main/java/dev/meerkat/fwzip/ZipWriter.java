package dev.meerkat.fwzip;

import static dev.meerkat.fwzip.ZipFormat.*;

import dev.meerkat.fwzip.FwZipException.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Writes a ZIP archive with fully specified headers: sizes and CRC in the local header (no data
 * descriptors), caller-chosen extra fields in the local and central headers, no ZIP64.
 */
final class ZipWriter {
    private final OutputStream out;
    private long offset;
    private final List<Central> central = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    private record Central(
            byte[] name,
            int flags,
            int method,
            int time,
            int date,
            long crc,
            long csize,
            long usize,
            byte[] extra,
            long offset) {}

    ZipWriter(OutputStream out) {
        this.out = out;
    }

    /**
     * Writes one entry, copying exactly {@code csize} bytes of (already compressed) data from
     * {@code data}. For STORED entries the CRC of the copied bytes is checked against {@code crc},
     * which catches a source file that changed since it was hashed.
     */
    void addEntry(
            String name,
            int method,
            int flags,
            int dosTime,
            int dosDate,
            long crc,
            long csize,
            long usize,
            byte[] localExtra,
            byte[] centralExtra,
            InputStream data)
            throws FwZipException {
        checkEntryName(name, -1);
        if (!names.add(name.toLowerCase(Locale.ROOT))) {
            throw new FwZipException(Problem.DUPLICATE_ENTRY, name, -1, "entry written twice");
        }
        byte[] rawName = name.getBytes(StandardCharsets.UTF_8);
        if (rawName.length > U16_MAX
                || localExtra.length > U16_MAX
                || centralExtra.length > U16_MAX) {
            throw new FwZipException(
                    Problem.LIMIT_EXCEEDED, name, -1, "name or extra field too long");
        }
        if (csize >= U32_MAX
                || usize >= U32_MAX
                || offset >= U32_MAX
                || central.size() >= U16_MAX - 1) {
            throw new FwZipException(
                    Problem.LIMIT_EXCEEDED,
                    name,
                    offset,
                    "archive would need ZIP64, which fw.zip does not use");
        }
        boolean ascii = name.chars().allMatch(c -> c < 0x80);
        int fl = (flags & ~FLAG_DATA_DESCRIPTOR & ~FLAG_UTF8) | (ascii ? 0 : FLAG_UTF8);
        ByteBuffer h = ByteBuffer.allocate(LOCAL_HEADER_LEN).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(LOCAL_HEADER_SIG)
                .putShort((short) VERSION_NEEDED)
                .putShort((short) fl)
                .putShort((short) method)
                .putShort((short) dosTime)
                .putShort((short) dosDate)
                .putInt((int) crc)
                .putInt((int) csize)
                .putInt((int) usize)
                .putShort((short) rawName.length)
                .putShort((short) localExtra.length);
        long start = offset;
        write(h.array(), name);
        write(rawName, name);
        write(localExtra, name);
        CRC32 check = new CRC32();
        byte[] buf = new byte[64 * 1024];
        long left = csize;
        try {
            while (left > 0) {
                int n = data.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new FwZipException(
                            Problem.IO,
                            name,
                            offset,
                            "source ended " + left + " bytes early (did the file change?)");
                }
                if (method == 0) {
                    check.update(buf, 0, n);
                }
                write(buf, 0, n, name);
                left -= n;
            }
        } catch (FwZipException e) {
            throw e;
        } catch (IOException e) {
            throw new FwZipException(
                    Problem.IO, name, offset, "reading source failed: " + e.getMessage(), e);
        }
        if (method == 0 && check.getValue() != crc) {
            throw new FwZipException(
                    Problem.IO,
                    name,
                    start,
                    "source data changed while the archive was being written");
        }
        central.add(
                new Central(
                        rawName,
                        fl,
                        method,
                        dosTime,
                        dosDate,
                        crc,
                        csize,
                        usize,
                        centralExtra,
                        start));
    }

    /** Writes the central directory and end record. */
    void finish() throws FwZipException {
        long cdStart = offset;
        for (Central c : central) {
            ByteBuffer h = ByteBuffer.allocate(CENTRAL_HEADER_LEN).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(CENTRAL_HEADER_SIG)
                    .putShort((short) VERSION_MADE_BY)
                    .putShort((short) VERSION_NEEDED)
                    .putShort((short) c.flags())
                    .putShort((short) c.method())
                    .putShort((short) c.time())
                    .putShort((short) c.date())
                    .putInt((int) c.crc())
                    .putInt((int) c.csize())
                    .putInt((int) c.usize())
                    .putShort((short) c.name().length)
                    .putShort((short) c.extra().length)
                    .putShort((short) 0) // comment length
                    .putShort((short) 0) // disk number start
                    .putShort((short) 0) // internal attributes
                    .putInt((int) EXTERNAL_ATTRS_FILE)
                    .putInt((int) c.offset());
            write(h.array(), null);
            write(c.name(), null);
            write(c.extra(), null);
        }
        long cdSize = offset - cdStart;
        if (offset >= U32_MAX) {
            throw new FwZipException(
                    Problem.LIMIT_EXCEEDED,
                    null,
                    offset,
                    "archive would need ZIP64, which fw.zip does not use");
        }
        ByteBuffer e = ByteBuffer.allocate(EOCD_LEN).order(ByteOrder.LITTLE_ENDIAN);
        e.putInt(EOCD_SIG)
                .putShort((short) 0)
                .putShort((short) 0)
                .putShort((short) central.size())
                .putShort((short) central.size())
                .putInt((int) cdSize)
                .putInt((int) cdStart)
                .putShort((short) 0);
        write(e.array(), null);
    }

    private void write(byte[] b, String entry) throws FwZipException {
        write(b, 0, b.length, entry);
    }

    private void write(byte[] b, int off, int len, String entry) throws FwZipException {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw new FwZipException(
                    Problem.IO, entry, offset, "write failed: " + e.getMessage(), e);
        }
        offset += len;
    }
}
