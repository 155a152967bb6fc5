package dev.meerkat.boot;

import dev.meerkat.hal.Flash;
import dev.meerkat.hal.FlashArea;
import dev.meerkat.hal.FlashGeometry;
import dev.meerkat.hal.Sector;
import java.util.List;
import java.util.Objects;

/**
 * Partitioning of the flash part: bootloader, boot-state area (two sectors or more), slot A and
 * slot B. Areas are sector aligned and do not overlap.
 */
public record FlashLayout(
        FlashArea bootloader, FlashArea bootState, FlashArea slotA, FlashArea slotB) {

    public FlashLayout {
        Objects.requireNonNull(bootloader);
        Objects.requireNonNull(bootState);
        Objects.requireNonNull(slotA);
        Objects.requireNonNull(slotB);
        List<FlashArea> all = List.of(bootloader, bootState, slotA, slotB);
        for (FlashArea a : all) {
            if (a.flash() != bootloader.flash()) {
                throw new IllegalArgumentException("all areas must be on the same flash part");
            }
        }
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                FlashArea x = all.get(i);
                FlashArea y = all.get(j);
                if (x.offset() < y.offset() + y.size() && y.offset() < x.offset() + x.size()) {
                    throw new IllegalArgumentException(x + " overlaps " + y);
                }
            }
        }
        if (bootState.sectors().size() < 2) {
            throw new IllegalArgumentException(
                    "the boot-state area needs at least two sectors, has "
                            + bootState.sectors().size());
        }
        int record = BootRecord.SIZE;
        for (Sector s : bootState.sectors()) {
            if (s.size() < 2 * record) {
                throw new IllegalArgumentException(
                        "boot-state sectors must hold at least two records");
            }
        }
    }

    /**
     * Lays the areas out back to back from address 0: {@code bootloaderSize} bytes, then {@code
     * stateSectors} sectors, then two slots of {@code slotSize} bytes each. Every boundary must
     * fall on a sector boundary of the part.
     */
    public static FlashLayout sequential(
            Flash flash, long bootloaderSize, int stateSectors, long slotSize) {
        FlashGeometry g = flash.geometry();
        long stateStart = bootloaderSize;
        long stateEnd = stateStart;
        for (int i = 0; i < stateSectors; i++) {
            stateEnd = g.sectorAt(stateEnd).end();
        }
        FlashArea boot = new FlashArea(flash, "bootloader", 0, bootloaderSize);
        FlashArea state = new FlashArea(flash, "boot-state", stateStart, stateEnd - stateStart);
        FlashArea a = new FlashArea(flash, "slot-A", stateEnd, slotSize);
        FlashArea b = new FlashArea(flash, "slot-B", stateEnd + slotSize, slotSize);
        return new FlashLayout(boot, state, a, b);
    }

    /** The area of {@code slot}. */
    public FlashArea slot(Slot slot) {
        return slot == Slot.A ? slotA : slotB;
    }

    /** The flash part. */
    public Flash flash() {
        return bootloader.flash();
    }
}
