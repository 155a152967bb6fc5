package dev.meerkat.hal;

/**
 * A run of equally sized erase sectors. A flash part is described by one or more regions laid out
 * back to back, e.g. eight 4 KiB sectors followed by seven 128 KiB sectors (as on STM32F4 or on
 * parts with a small-sector boot block).
 *
 * @param sectorSize size of each sector in bytes (a power of two, at least 256)
 * @param sectorCount number of sectors in this region (at least one)
 */
public record SectorRegion(int sectorSize, int sectorCount) {

    public SectorRegion {
        if (sectorSize < 256 || Integer.bitCount(sectorSize) != 1) {
            throw new IllegalArgumentException(
                    "sector size must be a power of two >= 256: " + sectorSize);
        }
        if (sectorCount < 1) {
            throw new IllegalArgumentException("sector count must be >= 1: " + sectorCount);
        }
    }

    /** Total bytes covered by this region. */
    public long size() {
        return (long) sectorSize * sectorCount;
    }

    @Override
    public String toString() {
        return sectorCount + "x" + sectorSize;
    }
}
