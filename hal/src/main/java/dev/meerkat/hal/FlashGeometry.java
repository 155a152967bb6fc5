package dev.meerkat.hal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Immutable description of a NOR flash part: its sector regions, its write alignment and what a
 * write may do to already programmed bytes. The erase value is always {@code 0xFF}.
 *
 * @param regions sector regions in address order
 * @param writeAlignment write address and length granularity in bytes (1, 2, 4, 8, 16 or 32)
 * @param overwrite rule for writing over bytes that are not erased
 */
public record FlashGeometry(
        List<SectorRegion> regions, int writeAlignment, OverwritePolicy overwrite) {

    /** Value of an erased byte. */
    public static final byte ERASED = (byte) 0xFF;

    /** Largest emulated part (the emulation keeps the whole part in one array). */
    public static final long MAX_SIZE = 1L << 30;

    public FlashGeometry {
        regions = List.copyOf(Objects.requireNonNull(regions, "regions"));
        Objects.requireNonNull(overwrite, "overwrite");
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("a flash part needs at least one sector region");
        }
        if (writeAlignment < 1 || writeAlignment > 32 || Integer.bitCount(writeAlignment) != 1) {
            throw new IllegalArgumentException(
                    "write alignment must be 1, 2, 4, 8, 16 or 32: " + writeAlignment);
        }
        long total = 0;
        for (SectorRegion r : regions) {
            total += r.size();
        }
        if (total > MAX_SIZE) {
            throw new IllegalArgumentException(
                    "flash larger than " + MAX_SIZE + " bytes is not emulated");
        }
    }

    /** Uniform part: {@code count} sectors of {@code sectorSize} bytes. */
    public static FlashGeometry uniform(int sectorSize, int count, int writeAlignment) {
        return new FlashGeometry(
                List.of(new SectorRegion(sectorSize, count)),
                writeAlignment,
                OverwritePolicy.CLEAR_BITS_ONLY);
    }

    /** Builder-style copy with another overwrite policy. */
    public FlashGeometry withOverwrite(OverwritePolicy policy) {
        return new FlashGeometry(regions, writeAlignment, policy);
    }

    /** Builder-style copy with another write alignment. */
    public FlashGeometry withWriteAlignment(int alignment) {
        return new FlashGeometry(regions, alignment, overwrite);
    }

    /** Builder-style copy with one more region appended at the end of the address space. */
    public FlashGeometry plus(SectorRegion region) {
        List<SectorRegion> list = new ArrayList<>(regions);
        list.add(region);
        return new FlashGeometry(list, writeAlignment, overwrite);
    }

    /** Total size of the part in bytes. */
    public long size() {
        long total = 0;
        for (SectorRegion r : regions) {
            total += r.size();
        }
        return total;
    }

    /** Number of sectors in the whole part. */
    public int sectorCount() {
        int n = 0;
        for (SectorRegion r : regions) {
            n += r.sectorCount();
        }
        return n;
    }

    /** Every sector of the part, in address order. */
    public List<Sector> sectors() {
        List<Sector> out = new ArrayList<>(sectorCount());
        long offset = 0;
        int index = 0;
        for (SectorRegion r : regions) {
            for (int i = 0; i < r.sectorCount(); i++) {
                out.add(new Sector(index++, offset, r.sectorSize()));
                offset += r.sectorSize();
            }
        }
        return List.copyOf(out);
    }

    /** The sector with the given index. */
    public Sector sector(int index) {
        if (index < 0) {
            throw new IndexOutOfBoundsException("sector " + index);
        }
        long offset = 0;
        int first = 0;
        for (SectorRegion r : regions) {
            if (index < first + r.sectorCount()) {
                int k = index - first;
                return new Sector(index, offset + (long) k * r.sectorSize(), r.sectorSize());
            }
            first += r.sectorCount();
            offset += r.size();
        }
        throw new IndexOutOfBoundsException("sector " + index + " of " + first);
    }

    /** The sector that contains {@code address}. */
    public Sector sectorAt(long address) {
        if (address < 0) {
            throw new IndexOutOfBoundsException("address " + address);
        }
        long offset = 0;
        int first = 0;
        for (SectorRegion r : regions) {
            if (address < offset + r.size()) {
                int k = (int) ((address - offset) / r.sectorSize());
                return new Sector(first + k, offset + (long) k * r.sectorSize(), r.sectorSize());
            }
            first += r.sectorCount();
            offset += r.size();
        }
        throw new IndexOutOfBoundsException(
                "address 0x" + Long.toHexString(address) + " beyond flash of " + offset);
    }

    /** Whether {@code address} is the first byte of a sector (or the end of the part). */
    public boolean isSectorBoundary(long address) {
        return address == size()
                || (address >= 0 && address < size() && sectorAt(address).offset() == address);
    }

    /**
     * Compact text form, e.g. {@code 8x4096+2x131072/align=8/CLEAR_BITS_ONLY}; parsed back by
     * {@link #parse(String)}.
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (SectorRegion r : regions) {
            if (sb.length() > 0) {
                sb.append('+');
            }
            sb.append(r);
        }
        return sb.append("/align=").append(writeAlignment).append('/').append(overwrite).toString();
    }

    /** Parses the form produced by {@link #describe()}. */
    public static FlashGeometry parse(String text) {
        String[] parts = text.trim().split("/");
        if (parts.length != 3 || !parts[1].startsWith("align=")) {
            throw new IllegalArgumentException("not a flash geometry: " + text);
        }
        List<SectorRegion> regions = new ArrayList<>();
        for (String r : parts[0].split("\\+")) {
            String[] nx = r.split("x");
            if (nx.length != 2) {
                throw new IllegalArgumentException("not a sector region: " + r);
            }
            regions.add(new SectorRegion(Integer.parseInt(nx[1]), Integer.parseInt(nx[0])));
        }
        return new FlashGeometry(
                regions,
                Integer.parseInt(parts[1].substring(6)),
                OverwritePolicy.valueOf(parts[2]));
    }

    @Override
    public String toString() {
        return "FlashGeometry[" + describe() + ", " + size() + " bytes]";
    }

    static byte[] erasedBytes(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, ERASED);
        return b;
    }
}
