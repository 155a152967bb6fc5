package dev.meerkat.boot.sim;

import dev.meerkat.boot.FlashLayout;
import dev.meerkat.hal.Flash;
import dev.meerkat.hal.FlashArea;
import dev.meerkat.hal.FlashGeometry;
import dev.meerkat.hal.OverwritePolicy;
import dev.meerkat.hal.SectorRegion;
import java.util.List;

/**
 * A simulated board: flash geometry, partitioning and the size of the images the updater writes.
 *
 * @param name short name
 * @param geometry flash part
 * @param bootloaderSize bytes reserved for the bootloader at address 0
 * @param stateOffset start of the boot-state area
 * @param stateSize size of the boot-state area (two sectors or more)
 * @param slotAOffset start of slot A
 * @param slotBOffset start of slot B
 * @param slotSize bytes per slot
 * @param payloadSize firmware payload bytes per simulated image
 * @param chunkSize bytes per program operation of the updater
 */
public record SimProfile(
        String name,
        FlashGeometry geometry,
        long bootloaderSize,
        long stateOffset,
        long stateSize,
        long slotAOffset,
        long slotBOffset,
        long slotSize,
        int payloadSize,
        int chunkSize) {

    /**
     * Uniform 4 KiB sectors, 8-byte writes that may clear bits; two 4 KiB state sectors, 40 KiB
     * slots.
     */
    public static SimProfile uniform4k() {
        return new SimProfile(
                "uniform-4k",
                new FlashGeometry(
                        List.of(new SectorRegion(4096, 26)), 8, OverwritePolicy.CLEAR_BITS_ONLY),
                16384,
                16384,
                8192,
                24576,
                24576 + 40960,
                40960,
                24 * 1024,
                128);
    }

    /**
     * 4 KiB sectors for bootloader and boot state (three sectors), 128 KiB sectors for the slots;
     * 32-byte writes that must target erased bytes (flash with ECC).
     */
    public static SimProfile mixedEcc() {
        return new SimProfile(
                "mixed-ecc",
                new FlashGeometry(
                        List.of(new SectorRegion(4096, 7), new SectorRegion(131072, 2)),
                        32,
                        OverwritePolicy.ERASED_ONLY),
                16384,
                16384,
                12288,
                28672,
                28672 + 131072,
                131072,
                24 * 1024,
                256);
    }

    /**
     * STM32F4-like part: 4 x 16 KiB, 1 x 64 KiB, 2 x 128 KiB sectors; 4-byte writes. Bootloader in
     * sector 0, boot state in sectors 1-2, sectors 3-4 left to the application, slots in the two
     * 128 KiB sectors; the updater writes 64-byte chunks.
     */
    public static SimProfile stm32f4() {
        return new SimProfile(
                "stm32f4",
                new FlashGeometry(
                        List.of(
                                new SectorRegion(16384, 4),
                                new SectorRegion(65536, 1),
                                new SectorRegion(131072, 2)),
                        4,
                        OverwritePolicy.CLEAR_BITS_ONLY),
                16384,
                16384,
                32768,
                131072,
                262144,
                131072,
                24 * 1024,
                64);
    }

    /** Every profile. */
    public static List<SimProfile> all() {
        return List.of(uniform4k(), mixedEcc(), stm32f4());
    }

    /** A profile by name. */
    public static SimProfile named(String name) {
        return all().stream()
                .filter(p -> p.name().equals(name))
                .findFirst()
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "unknown profile "
                                                + name
                                                + "; known: "
                                                + all().stream().map(SimProfile::name).toList()));
    }

    /** The partitioning of {@code flash}. */
    public FlashLayout layout(Flash flash) {
        return new FlashLayout(
                new FlashArea(flash, "bootloader", 0, bootloaderSize),
                new FlashArea(flash, "boot-state", stateOffset, stateSize),
                new FlashArea(flash, "slot-A", slotAOffset, slotSize),
                new FlashArea(flash, "slot-B", slotBOffset, slotSize));
    }
}
