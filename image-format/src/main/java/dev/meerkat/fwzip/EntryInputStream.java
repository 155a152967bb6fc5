package dev.meerkat.fwzip;

import dev.meerkat.fwzip.FwZipException.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Streams an entry's uncompressed data. It never yields more bytes than the header declares and, on
 * reaching the end, checks the byte count and CRC-32; any disagreement is reported as a {@link
 * FwZipException} from {@code read}.
 */
final class EntryInputStream extends InputStream {
    private static final int CHUNK = 16 * 1024;

    private final FwEntry entry;
    private final ZipReader.RawInputStream raw;
    private final Inflater inflater;
    private final byte[] inBuf;
    private final CRC32 crc = new CRC32();
    private long produced;
    private boolean done;
    private boolean closed;

    EntryInputStream(ZipReader reader, FwEntry entry) {
        this.entry = entry;
        this.raw =
                new ZipReader.RawInputStream(
                        reader, entry.name(), entry.dataOffset(), entry.compressedSize());
        if (entry.method() == FwEntry.Method.DEFLATED) {
            this.inflater = new Inflater(true);
            this.inBuf = new byte[(int) Math.min(CHUNK, Math.max(1, entry.compressedSize()))];
        } else {
            this.inflater = null;
            this.inBuf = null;
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n;
        do {
            n = read(one, 0, 1);
        } while (n == 0);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new FwZipException(Problem.IO, entry.name(), -1, "stream is closed");
        }
        if (done) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        int n = inflater == null ? raw.read(b, off, len) : inflate(b, off, len);
        if (n < 0) {
            finish();
            return -1;
        }
        produced += n;
        if (produced > entry.size()) {
            throw new FwZipException(
                    Problem.SIZE_MISMATCH,
                    entry.name(),
                    entry.dataOffset(),
                    "data is longer than the declared " + entry.size() + " bytes");
        }
        crc.update(b, off, n);
        return n;
    }

    private int inflate(byte[] b, int off, int len) throws IOException {
        try {
            while (true) {
                if (inflater.finished()) {
                    return -1;
                }
                int n = inflater.inflate(b, off, len);
                if (n > 0) {
                    return n;
                }
                if (inflater.needsDictionary()) {
                    throw new FwZipException(
                            Problem.BAD_COMPRESSED_DATA,
                            entry.name(),
                            entry.dataOffset(),
                            "Deflate stream asks for a preset dictionary");
                }
                if (inflater.needsInput()) {
                    int k = raw.read(inBuf, 0, inBuf.length);
                    if (k < 0) {
                        throw new FwZipException(
                                Problem.BAD_COMPRESSED_DATA,
                                entry.name(),
                                entry.dataOffset() + entry.compressedSize(),
                                "Deflate stream ends before its final block");
                    }
                    inflater.setInput(inBuf, 0, k);
                }
            }
        } catch (DataFormatException e) {
            throw new FwZipException(
                    Problem.BAD_COMPRESSED_DATA,
                    entry.name(),
                    entry.dataOffset(),
                    "corrupt Deflate data: " + e.getMessage());
        }
    }

    private void finish() throws FwZipException {
        done = true;
        if (inflater != null && (inflater.getRemaining() > 0 || raw.available() > 0)) {
            throw new FwZipException(
                    Problem.BAD_COMPRESSED_DATA,
                    entry.name(),
                    entry.dataOffset(),
                    "Deflate stream ends before the entry's compressed data does");
        }
        if (produced != entry.size()) {
            throw new FwZipException(
                    Problem.SIZE_MISMATCH,
                    entry.name(),
                    entry.dataOffset(),
                    "data is " + produced + " bytes but the header declares " + entry.size());
        }
        if (crc.getValue() != entry.crc32()) {
            throw new FwZipException(
                    Problem.CRC_MISMATCH,
                    entry.name(),
                    entry.dataOffset(),
                    String.format(
                            "CRC-32 is %08x but the header declares %08x",
                            crc.getValue(), entry.crc32()));
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (inflater != null) {
                inflater.end();
            }
        }
    }
}
