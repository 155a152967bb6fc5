package dev.meerkat.boot;

import dev.meerkat.hal.FlashArea;
import dev.meerkat.hal.Sector;
import java.util.Arrays;
import java.util.List;

/**
 * Streams bytes into a slot: erases each sector just before the first write into it, programs in
 * units of the write alignment and keeps the unaligned tail in RAM. {@link #durable()} is the
 * number of bytes on flash; a resume restarts there (in the same boot) or at a sector boundary
 * (after a reset, when the sector in progress may be torn and is erased again).
 */
final class SlotWriter {

    private final FlashArea area;
    private final int align;
    private final List<Sector> sectors;
    private final byte[] tail;
    private int tailLen;
    private long written;
    private long erasedTo;

    /**
     * A writer that continues at {@code resumeAt}, a sector boundary; the rest is erased on demand.
     */
    SlotWriter(FlashArea area, long resumeAt) {
        this.area = area;
        this.align = area.writeAlignment();
        this.sectors = area.sectors();
        this.tail = new byte[align];
        if (resumeAt != sectorStart(resumeAt)) {
            throw new IllegalArgumentException(
                    "resume offset " + resumeAt + " is not a sector boundary");
        }
        this.written = resumeAt;
        this.erasedTo = resumeAt;
    }

    /** Largest sector boundary at or below {@code at}, area-relative. */
    long sectorStart(long at) {
        long start = 0;
        for (Sector s : sectors) {
            if (start + s.size() > at) {
                return start;
            }
            start += s.size();
        }
        return start;
    }

    /** Bytes on flash. */
    long durable() {
        return written;
    }

    /** Bytes accepted (on flash plus the buffered tail). */
    long accepted() {
        return written + tailLen;
    }

    /** Forgets the buffered tail, so the stream can continue at {@link #durable()}. */
    void dropTail() {
        tailLen = 0;
    }

    void write(byte[] b, int off, int len) {
        if (accepted() + len > area.size()) {
            throw new IllegalStateException("data exceeds " + area.name());
        }
        if (tailLen > 0) {
            int n = Math.min(len, align - tailLen);
            System.arraycopy(b, off, tail, tailLen, n);
            tailLen += n;
            off += n;
            len -= n;
            if (tailLen == align) {
                program(tail, 0, align);
                tailLen = 0;
            }
        }
        int direct = len / align * align;
        if (direct > 0) {
            program(b, off, direct);
        }
        int rest = len - direct;
        System.arraycopy(b, off + direct, tail, 0, rest);
        tailLen = rest;
    }

    /** Writes the tail padded with erased bytes. */
    void finish() {
        if (tailLen > 0) {
            Arrays.fill(tail, tailLen, align, (byte) 0xFF);
            program(tail, 0, align);
            written -= align - tailLen;
            tailLen = 0;
        }
    }

    private void program(byte[] b, int off, int len) {
        long end = written + len;
        while (erasedTo < end) {
            long size = sectorSize(erasedTo);
            area.erase(erasedTo, size);
            erasedTo += size;
        }
        area.write(written, b, off, len);
        written = end;
    }

    private long sectorSize(long at) {
        long start = 0;
        for (Sector s : sectors) {
            if (start == at) {
                return s.size();
            }
            start += s.size();
        }
        throw new IllegalStateException("no sector starts at " + at);
    }
}
