package dev.meerkat.fwzip;

import static dev.meerkat.fwzip.ZipFormat.*;

import dev.meerkat.fwzip.FwZipException.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the structure of a ZIP archive from a seekable channel. Every length and offset read from
 * the file is checked against the real file size before anything is allocated or read.
 */
final class ZipReader {
    /** At most this many entries; a fw.zip has a manifest and a handful of parts. */
    static final int MAX_ENTRIES = 1024;

    /** Upper bound on the central directory size (MAX_ENTRIES * generous per-entry size). */
    static final long MAX_CENTRAL_DIRECTORY = 4L << 20;

    /** Deflate cannot expand more than about 1032:1; anything claiming more is lying. */
    static final long MAX_DEFLATE_RATIO = 1032;

    private final SeekableByteChannel channel;
    private final long fileSize;
    private final List<ZipRecord> records;
    private final long centralDirectoryOffset;

    ZipReader(SeekableByteChannel channel) throws FwZipException {
        this.channel = channel;
        try {
            this.fileSize = channel.size();
        } catch (IOException e) {
            throw new FwZipException(Problem.IO, "cannot get file size: " + e.getMessage(), e);
        }
        long[] cd = new long[2];
        List<ZipRecord> central = readCentralDirectory(cd);
        this.centralDirectoryOffset = cd[0];
        this.records = readLocalHeaders(central);
    }

    long fileSize() {
        return fileSize;
    }

    long centralDirectoryOffset() {
        return centralDirectoryOffset;
    }

    /** Entries in central directory order. */
    List<ZipRecord> records() {
        return records;
    }

    /** Reads exactly {@code len} bytes at {@code pos}; the range must lie inside the file. */
    byte[] readAt(long pos, int len, String entry) throws FwZipException {
        if (pos < 0 || len < 0 || pos > fileSize || len > fileSize - pos) {
            throw new FwZipException(
                    Problem.NOT_A_ZIP,
                    entry,
                    pos,
                    "need " + len + " bytes but the file ends at " + fileSize);
        }
        byte[] out = new byte[len];
        readInto(pos, ByteBuffer.wrap(out), entry);
        return out;
    }

    /** Fills {@code buf} from {@code pos}; the caller guarantees the range is inside the file. */
    void readInto(long pos, ByteBuffer buf, String entry) throws FwZipException {
        try {
            if (channel instanceof FileChannel fc) {
                long p = pos;
                while (buf.hasRemaining()) {
                    int n = fc.read(buf, p);
                    if (n < 0) {
                        throw new FwZipException(
                                Problem.NOT_A_ZIP, entry, p, "unexpected end of file");
                    }
                    p += n;
                }
            } else {
                synchronized (channel) {
                    channel.position(pos);
                    long p = pos;
                    while (buf.hasRemaining()) {
                        int n = channel.read(buf);
                        if (n < 0) {
                            throw new FwZipException(
                                    Problem.NOT_A_ZIP, entry, p, "unexpected end of file");
                        }
                        p += n;
                    }
                }
            }
        } catch (FwZipException e) {
            throw e;
        } catch (IOException e) {
            throw new FwZipException(Problem.IO, entry, pos, "read failed: " + e.getMessage(), e);
        }
    }

    private List<ZipRecord> readCentralDirectory(long[] cdOut) throws FwZipException {
        if (fileSize < EOCD_LEN) {
            throw new FwZipException(
                    Problem.NOT_A_ZIP,
                    null,
                    -1,
                    "file is " + fileSize + " bytes, too short to be a ZIP archive");
        }
        int tailLen = (int) Math.min(fileSize, EOCD_LEN + MAX_COMMENT);
        long tailStart = fileSize - tailLen;
        byte[] tail = readAt(tailStart, tailLen, null);
        ByteBuffer t = le(tail);
        int eocd = -1;
        for (int i = tailLen - EOCD_LEN; i >= 0; i--) {
            if (t.getInt(i) == EOCD_SIG && u16(t, i + 20) == tailLen - i - EOCD_LEN) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw new FwZipException(
                    Problem.NOT_A_ZIP,
                    null,
                    -1,
                    "no end-of-central-directory record found; not a ZIP archive");
        }
        long eocdPos = tailStart + eocd;
        if (eocdPos >= ZIP64_LOCATOR_LEN) {
            byte[] loc = readAt(eocdPos - ZIP64_LOCATOR_LEN, 4, null);
            if (le(loc).getInt(0) == ZIP64_LOCATOR_SIG) {
                throw new FwZipException(
                        Problem.ZIP64_UNSUPPORTED,
                        null,
                        eocdPos - ZIP64_LOCATOR_LEN,
                        "ZIP64 end-of-central-directory locator found; ZIP64 archives are not supported");
            }
        }
        int disk = u16(t, eocd + 4);
        int cdDisk = u16(t, eocd + 6);
        int entriesHere = u16(t, eocd + 8);
        int entriesTotal = u16(t, eocd + 10);
        long cdSize = u32(t, eocd + 12);
        long cdOffset = u32(t, eocd + 16);
        if (entriesTotal == U16_MAX
                || entriesHere == U16_MAX
                || cdSize == U32_MAX
                || cdOffset == U32_MAX) {
            throw new FwZipException(
                    Problem.ZIP64_UNSUPPORTED,
                    null,
                    eocdPos,
                    "end-of-central-directory fields are set to ZIP64 markers; ZIP64 is not supported");
        }
        if (disk != 0 || cdDisk != 0 || entriesHere != entriesTotal) {
            throw new FwZipException(
                    Problem.MULTI_DISK,
                    null,
                    eocdPos,
                    "archive spans several disks (disk "
                            + disk
                            + ", directory disk "
                            + cdDisk
                            + ", entries "
                            + entriesHere
                            + " of "
                            + entriesTotal
                            + ")");
        }
        if (entriesTotal > MAX_ENTRIES) {
            throw new FwZipException(
                    Problem.LIMIT_EXCEEDED,
                    null,
                    eocdPos,
                    "archive has "
                            + entriesTotal
                            + " entries, more than the limit of "
                            + MAX_ENTRIES);
        }
        if (cdOffset + cdSize != eocdPos) {
            throw new FwZipException(
                    Problem.MALFORMED,
                    null,
                    eocdPos,
                    "central directory (offset "
                            + cdOffset
                            + ", size "
                            + cdSize
                            + ") does not end where the end record starts ("
                            + eocdPos
                            + ")");
        }
        if (cdSize > MAX_CENTRAL_DIRECTORY) {
            throw new FwZipException(
                    Problem.LIMIT_EXCEEDED,
                    null,
                    cdOffset,
                    "central directory is "
                            + cdSize
                            + " bytes, more than the limit of "
                            + MAX_CENTRAL_DIRECTORY);
        }
        if (cdSize < (long) entriesTotal * CENTRAL_HEADER_LEN) {
            throw new FwZipException(
                    Problem.MALFORMED,
                    null,
                    cdOffset,
                    "central directory of "
                            + cdSize
                            + " bytes cannot hold "
                            + entriesTotal
                            + " entries");
        }
        cdOut[0] = cdOffset;
        cdOut[1] = cdSize;
        byte[] cd = readAt(cdOffset, (int) cdSize, null);
        ByteBuffer c = le(cd);
        List<ZipRecord> out = new ArrayList<>(entriesTotal);
        Map<String, String> seen = new HashMap<>();
        int p = 0;
        for (int i = 0; i < entriesTotal; i++) {
            long at = cdOffset + p;
            if (cd.length - p < CENTRAL_HEADER_LEN) {
                throw new FwZipException(
                        Problem.MALFORMED,
                        null,
                        at,
                        "central directory entry " + i + " is truncated");
            }
            if (c.getInt(p) != CENTRAL_HEADER_SIG) {
                throw new FwZipException(
                        Problem.MALFORMED,
                        null,
                        at,
                        String.format(
                                Locale.ROOT,
                                "bad central directory signature 0x%08x for entry %d",
                                c.getInt(p),
                                i));
            }
            int flags = u16(c, p + 8);
            int method = u16(c, p + 10);
            int dosTime = u16(c, p + 12);
            int dosDate = u16(c, p + 14);
            long crc = u32(c, p + 16);
            long csize = u32(c, p + 20);
            long usize = u32(c, p + 24);
            int nameLen = u16(c, p + 28);
            int extraLen = u16(c, p + 30);
            int commentLen = u16(c, p + 32);
            int diskStart = u16(c, p + 34);
            long lho = u32(c, p + 42);
            long varLen = (long) nameLen + extraLen + commentLen;
            if (varLen > cd.length - p - CENTRAL_HEADER_LEN) {
                throw new FwZipException(
                        Problem.MALFORMED,
                        null,
                        at,
                        "central directory entry "
                                + i
                                + " claims "
                                + varLen
                                + " bytes of name/extra/comment beyond the directory end");
            }
            byte[] rawName =
                    Arrays.copyOfRange(
                            cd, p + CENTRAL_HEADER_LEN, p + CENTRAL_HEADER_LEN + nameLen);
            String name = decodeName(rawName, at);
            checkEntryName(name, at);
            if (csize == U32_MAX || usize == U32_MAX || lho == U32_MAX || diskStart == U16_MAX) {
                throw new FwZipException(
                        Problem.ZIP64_UNSUPPORTED,
                        name,
                        at,
                        "size or offset fields are ZIP64 markers; ZIP64 is not supported");
            }
            if (diskStart != 0) {
                throw new FwZipException(
                        Problem.MULTI_DISK, name, at, "entry starts on disk " + diskStart);
            }
            if ((flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS)) != 0) {
                throw new FwZipException(
                        Problem.UNSUPPORTED_METHOD,
                        name,
                        at,
                        "entry is encrypted (flags 0x" + Integer.toHexString(flags) + ")");
            }
            FwEntry.Method m;
            if (method == 0) {
                m = FwEntry.Method.STORED;
                if (csize != usize) {
                    throw new FwZipException(
                            Problem.MALFORMED,
                            name,
                            at,
                            "STORED entry has compressed size " + csize + " but size " + usize);
                }
            } else if (method == 8) {
                m = FwEntry.Method.DEFLATED;
                if (usize > csize * MAX_DEFLATE_RATIO + 1024) {
                    throw new FwZipException(
                            Problem.MALFORMED,
                            name,
                            at,
                            "Deflate entry claims "
                                    + usize
                                    + " bytes from "
                                    + csize
                                    + " compressed bytes, beyond what Deflate can produce");
                }
            } else {
                throw new FwZipException(
                        Problem.UNSUPPORTED_METHOD,
                        name,
                        at,
                        "compression method "
                                + method
                                + " is not supported (only STORED and Deflate)");
            }
            String folded = name.toLowerCase(Locale.ROOT);
            String prev = seen.putIfAbsent(folded, name);
            if (prev != null) {
                throw new FwZipException(
                        Problem.DUPLICATE_ENTRY,
                        name,
                        at,
                        prev.equals(name)
                                ? "entry name appears twice"
                                : "entry name differs only in case from '"
                                        + FwZipException.sanitize(prev)
                                        + "'");
            }
            int extraStart = p + CENTRAL_HEADER_LEN + nameLen;
            byte[] extra = Arrays.copyOfRange(cd, extraStart, extraStart + extraLen);
            parseExtra(extra, name, cdOffset + extraStart);
            if (lho > cdOffset || cdOffset - lho < LOCAL_HEADER_LEN + (long) nameLen) {
                throw new FwZipException(
                        Problem.MALFORMED,
                        name,
                        at,
                        "local header offset "
                                + lho
                                + " does not leave room for the header before the"
                                + " central directory at "
                                + cdOffset);
            }
            FwEntry e = new FwEntry(name, m, crc, csize, usize, lho, -1);
            out.add(new ZipRecord(e, flags, dosTime, dosDate, null, extra, -1));
            p += CENTRAL_HEADER_LEN + (int) varLen;
        }
        if (p != cd.length) {
            throw new FwZipException(
                    Problem.MALFORMED,
                    null,
                    cdOffset + p,
                    (cd.length - p) + " unexpected bytes after the last central directory entry");
        }
        return out;
    }

    private List<ZipRecord> readLocalHeaders(List<ZipRecord> central) throws FwZipException {
        List<ZipRecord> out = new ArrayList<>(central.size());
        long limit = centralDirectoryOffset;
        for (ZipRecord r : central) {
            FwEntry e = r.entry();
            String name = e.name();
            long lho = e.localHeaderOffset();
            byte[] h = readAt(lho, LOCAL_HEADER_LEN, name);
            ByteBuffer b = le(h);
            if (b.getInt(0) != LOCAL_HEADER_SIG) {
                throw new FwZipException(
                        Problem.HEADER_MISMATCH,
                        name,
                        lho,
                        String.format(
                                Locale.ROOT, "bad local header signature 0x%08x", b.getInt(0)));
            }
            int flags = u16(b, 6);
            int method = u16(b, 8);
            long crc = u32(b, 14);
            long csize = u32(b, 18);
            long usize = u32(b, 22);
            int nameLen = u16(b, 26);
            int extraLen = u16(b, 28);
            if (flags != r.flags()) {
                throw new FwZipException(
                        Problem.HEADER_MISMATCH,
                        name,
                        lho,
                        "local flags 0x"
                                + Integer.toHexString(flags)
                                + " differ from central flags 0x"
                                + Integer.toHexString(r.flags()));
            }
            if (method != e.method().code()) {
                throw new FwZipException(
                        Problem.HEADER_MISMATCH,
                        name,
                        lho,
                        "local method "
                                + method
                                + " differs from central method "
                                + e.method().code());
            }
            boolean descriptor = (flags & FLAG_DATA_DESCRIPTOR) != 0;
            if (!descriptor || crc != 0 || csize != 0 || usize != 0) {
                if (crc != e.crc32() || csize != e.compressedSize() || usize != e.size()) {
                    throw new FwZipException(
                            Problem.HEADER_MISMATCH,
                            name,
                            lho,
                            "local CRC/sizes ("
                                    + Long.toHexString(crc)
                                    + ", "
                                    + csize
                                    + ", "
                                    + usize
                                    + ") differ from central directory ("
                                    + Long.toHexString(e.crc32())
                                    + ", "
                                    + e.compressedSize()
                                    + ", "
                                    + e.size()
                                    + ")");
                }
            }
            long varStart = lho + LOCAL_HEADER_LEN;
            if ((long) nameLen + extraLen > limit - varStart) {
                throw new FwZipException(
                        Problem.OVERLAPPING_ENTRIES,
                        name,
                        lho,
                        "local header name/extra ("
                                + ((long) nameLen + extraLen)
                                + " bytes) runs into the central directory");
            }
            byte[] var = readAt(varStart, nameLen + extraLen, name);
            byte[] localName = Arrays.copyOf(var, nameLen);
            if (!decodeName(localName, lho).equals(name)) {
                throw new FwZipException(
                        Problem.HEADER_MISMATCH,
                        name,
                        lho,
                        "local header names a different entry: '"
                                + FwZipException.sanitize(decodeName(localName, lho))
                                + "'");
            }
            byte[] localExtra = Arrays.copyOfRange(var, nameLen, nameLen + extraLen);
            parseExtra(localExtra, name, varStart + nameLen);
            long dataOffset = varStart + nameLen + extraLen;
            if (e.compressedSize() > limit - dataOffset) {
                throw new FwZipException(
                        Problem.OVERLAPPING_ENTRIES,
                        name,
                        dataOffset,
                        "data of "
                                + e.compressedSize()
                                + " bytes runs into the central directory at "
                                + limit);
            }
            long end = dataOffset + e.compressedSize();
            if (descriptor) {
                end += checkDataDescriptor(e, end, limit);
            }
            FwEntry full =
                    new FwEntry(
                            name,
                            e.method(),
                            e.crc32(),
                            e.compressedSize(),
                            e.size(),
                            lho,
                            dataOffset);
            out.add(
                    new ZipRecord(
                            full,
                            flags,
                            r.dosTime(),
                            r.dosDate(),
                            localExtra,
                            r.centralExtra(),
                            end));
        }
        List<ZipRecord> byOffset = new ArrayList<>(out);
        byOffset.sort(Comparator.comparingLong(x -> x.entry().localHeaderOffset()));
        for (int i = 1; i < byOffset.size(); i++) {
            ZipRecord a = byOffset.get(i - 1);
            ZipRecord b = byOffset.get(i);
            if (a.endOffset() > b.entry().localHeaderOffset()) {
                throw new FwZipException(
                        Problem.OVERLAPPING_ENTRIES,
                        b.name(),
                        b.entry().localHeaderOffset(),
                        "entry overlaps the bytes of '"
                                + FwZipException.sanitize(a.name())
                                + "' (which ends at "
                                + a.endOffset()
                                + ")");
            }
        }
        return List.copyOf(out);
    }

    /** Returns the descriptor's length after checking it agrees with the central directory. */
    private int checkDataDescriptor(FwEntry e, long at, long limit) throws FwZipException {
        long avail = limit - at;
        if (avail < 12) {
            throw new FwZipException(
                    Problem.MALFORMED,
                    e.name(),
                    at,
                    "data descriptor is missing or runs into the central directory");
        }
        byte[] d = readAt(at, (int) Math.min(16, avail), e.name());
        ByteBuffer b = le(d);
        int p = 0;
        if (b.getInt(0) == DATA_DESCRIPTOR_SIG && d.length >= 16) {
            p = 4;
        }
        long crc = u32(b, p);
        long csize = u32(b, p + 4);
        long usize = u32(b, p + 8);
        if (crc != e.crc32() || csize != e.compressedSize() || usize != e.size()) {
            throw new FwZipException(
                    Problem.HEADER_MISMATCH,
                    e.name(),
                    at,
                    "data descriptor disagrees with the central directory");
        }
        return p + 12;
    }

    /** Opens the decompressed data of an entry, checking size and CRC-32 as it is read. */
    InputStream open(ZipRecord r) {
        return new EntryInputStream(this, r.entry());
    }

    /** Opens the raw (possibly compressed) bytes of an entry without any checks. */
    InputStream openRaw(ZipRecord r) {
        return new RawInputStream(
                this, r.entry().name(), r.entry().dataOffset(), r.entry().compressedSize());
    }

    /** A bounded view of a range of the file. */
    static final class RawInputStream extends InputStream {
        private final ZipReader reader;
        private final String entry;
        private long pos;
        private final long end;

        RawInputStream(ZipReader reader, String entry, long start, long length) {
            this.reader = reader;
            this.entry = entry;
            this.pos = start;
            this.end = start + length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (pos >= end) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int n = (int) Math.min(len, end - pos);
            reader.readInto(pos, ByteBuffer.wrap(b, off, n), entry);
            pos += n;
            return n;
        }

        @Override
        public long skip(long n) {
            long k = Math.max(0, Math.min(n, end - pos));
            pos += k;
            return k;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, end - pos);
        }
    }
}
