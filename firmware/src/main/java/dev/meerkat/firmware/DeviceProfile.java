package dev.meerkat.firmware;

import dev.meerkat.boot.FlashLayout;
import dev.meerkat.hal.Flash;
import dev.meerkat.hal.FlashGeometry;
import dev.meerkat.hal.OverwritePolicy;
import dev.meerkat.hal.SectorRegion;
import java.util.List;

/**
 * The emulated board's flash: uniform 4 KiB sectors, 8-byte writes; 16 KiB bootloader, two
 * boot-state sectors, then slots A and B of {@code slotSize} bytes.
 *
 * @param slotSize bytes per slot (a multiple of 4 KiB)
 */
public record DeviceProfile(long slotSize) {

    public static final int SECTOR = 4096;
    static final long BOOTLOADER = 16384;
    static final int STATE_SECTORS = 2;

    public DeviceProfile {
        if (slotSize <= 0 || slotSize % SECTOR != 0) {
            throw new IllegalArgumentException(
                    "slot size must be a positive multiple of " + SECTOR);
        }
    }

    /** Slots of 256 KiB: room for the example applications. */
    public static DeviceProfile standard() {
        return new DeviceProfile(256 * 1024);
    }

    /** Slots that hold an image of {@code imageBytes} with room to spare. */
    public static DeviceProfile forImages(long imageBytes) {
        long s =
                Math.max(
                        64 * 1024,
                        (imageBytes + imageBytes / 8 + 8192 + SECTOR - 1) / SECTOR * SECTOR);
        return new DeviceProfile(s);
    }

    public FlashGeometry geometry() {
        int sectors = (int) ((BOOTLOADER + (long) STATE_SECTORS * SECTOR + 2 * slotSize) / SECTOR);
        return new FlashGeometry(
                List.of(new SectorRegion(SECTOR, sectors)), 8, OverwritePolicy.CLEAR_BITS_ONLY);
    }

    public FlashLayout layout(Flash flash) {
        return FlashLayout.sequential(flash, BOOTLOADER, STATE_SECTORS, slotSize);
    }
}
