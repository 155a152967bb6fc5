package dev.meerkat.hal;

/**
 * A NOR flash part. Addresses are absolute byte offsets from the start of the part.
 *
 * <p>All operations may throw {@link PowerLossException} (the power failed, see {@link
 * PowerSupply}) and {@link FlashException} (the operation itself is invalid).
 */
public interface Flash {

    /** Geometry of the part. */
    FlashGeometry geometry();

    /** Reads {@code len} bytes at {@code address} into {@code dst[off..off+len)}. */
    void read(long address, byte[] dst, int off, int len);

    /**
     * Programs {@code len} bytes from {@code src[off..)} at {@code address}. Address and length
     * must be multiples of the write alignment; the target bytes must allow the new value under the
     * part's {@link OverwritePolicy}.
     */
    void write(long address, byte[] src, int off, int len);

    /** Erases sector {@code sectorIndex} to {@code 0xFF}. */
    void eraseSector(int sectorIndex);

    /** Counters since the part was opened. */
    FlashStats stats();

    /** How many times sector {@code sectorIndex} was erased over the part's life (wear). */
    long eraseCount(int sectorIndex);

    /** Convenience: reads into a new array. */
    default byte[] read(long address, int len) {
        byte[] b = new byte[len];
        read(address, b, 0, len);
        return b;
    }

    /** Convenience: writes the whole array. */
    default void write(long address, byte[] src) {
        write(address, src, 0, src.length);
    }

    /**
     * Erases every sector in {@code [address, address+len)}; both ends must be sector boundaries.
     * Each sector is a separate operation.
     */
    default void eraseRange(long address, long len) {
        FlashGeometry g = geometry();
        if (len < 0 || address < 0 || address + len > g.size()) {
            throw new FlashException(
                    FlashException.Kind.OUT_OF_RANGE,
                    "erase [" + address + ", +" + len + ") outside " + g.size());
        }
        if (!g.isSectorBoundary(address) || !g.isSectorBoundary(address + len)) {
            throw new FlashException(
                    FlashException.Kind.MISALIGNED,
                    "erase [" + address + ", +" + len + ") not on sector boundaries");
        }
        long a = address;
        while (a < address + len) {
            Sector s = g.sectorAt(a);
            eraseSector(s.index());
            a = s.end();
        }
    }
}
