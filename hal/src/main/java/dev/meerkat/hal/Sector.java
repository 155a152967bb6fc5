package dev.meerkat.hal;

/**
 * One erase sector of a flash part.
 *
 * @param index index of the sector counting from the start of the part
 * @param offset absolute byte address of the first byte of the sector
 * @param size sector size in bytes
 */
public record Sector(int index, long offset, int size) {

    /** Address one past the last byte of the sector. */
    public long end() {
        return offset + size;
    }

    /** Whether {@code address} lies inside this sector. */
    public boolean contains(long address) {
        return address >= offset && address < end();
    }
}
