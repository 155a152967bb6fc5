package dev.meerkat.hal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A named, sector-aligned window of a flash part (a partition), addressed from its own start.
 * Mirrors MCUboot's {@code flash_area}: code that owns an area cannot touch bytes outside it.
 *
 * @param flash the part
 * @param name partition name, for messages
 * @param offset absolute start address (a sector boundary)
 * @param size size in bytes (ends on a sector boundary)
 */
public record FlashArea(Flash flash, String name, long offset, long size) {

    public FlashArea {
        Objects.requireNonNull(flash, "flash");
        Objects.requireNonNull(name, "name");
        FlashGeometry g = flash.geometry();
        if (offset < 0 || size <= 0 || offset + size > g.size()) {
            throw new IllegalArgumentException(
                    name + ": [" + offset + ", +" + size + ") outside flash of " + g.size());
        }
        if (!g.isSectorBoundary(offset) || !g.isSectorBoundary(offset + size)) {
            throw new IllegalArgumentException(
                    name + ": [" + offset + ", +" + size + ") not on sector boundaries");
        }
    }

    /** Reads {@code len} bytes at area-relative {@code at}. */
    public void read(long at, byte[] dst, int off, int len) {
        check(at, len);
        flash.read(offset + at, dst, off, len);
    }

    /** Reads {@code len} bytes at area-relative {@code at} into a new array. */
    public byte[] read(long at, int len) {
        byte[] b = new byte[len];
        read(at, b, 0, len);
        return b;
    }

    /** Programs bytes at area-relative {@code at}. */
    public void write(long at, byte[] src, int off, int len) {
        check(at, len);
        flash.write(offset + at, src, off, len);
    }

    /** Programs the whole array at area-relative {@code at}. */
    public void write(long at, byte[] src) {
        write(at, src, 0, src.length);
    }

    /** Erases every sector of the area. */
    public void eraseAll() {
        flash.eraseRange(offset, size);
    }

    /**
     * Erases the sectors covering area-relative {@code [at, at+len)}, which must be sector aligned.
     */
    public void erase(long at, long len) {
        check(at, len);
        flash.eraseRange(offset + at, len);
    }

    /** The sectors of this area, in address order (absolute offsets). */
    public List<Sector> sectors() {
        List<Sector> out = new ArrayList<>();
        long a = offset;
        while (a < offset + size) {
            Sector s = flash.geometry().sectorAt(a);
            out.add(s);
            a = s.end();
        }
        return List.copyOf(out);
    }

    /** Write alignment of the underlying part. */
    public int writeAlignment() {
        return flash.geometry().writeAlignment();
    }

    private void check(long at, long len) {
        if (at < 0 || len < 0 || at + len > size) {
            throw new FlashException(
                    FlashException.Kind.OUT_OF_RANGE,
                    name + ": [" + at + ", +" + len + ") outside area of " + size);
        }
    }

    @Override
    public String toString() {
        return name + "@0x" + Long.toHexString(offset) + "+" + size;
    }
}
