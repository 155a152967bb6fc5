package dev.meerkat.boot;

import dev.meerkat.boot.sim.SimDevice;
import dev.meerkat.boot.sim.SimImages;
import dev.meerkat.boot.sim.SimProfile;
import dev.meerkat.hal.ResetCause;

/** Shared fixtures: one set of keys and images for all bootloader tests. */
final class Boards {

    static final SimImages IMAGES = new SimImages(4096);

    private Boards() {}

    static SimDevice fresh() {
        return SimDevice.create(SimProfile.uniform4k(), IMAGES, 1, BootListener.NONE);
    }

    /** v1 in A, first boot done. */
    static SimDevice runningV1() {
        SimDevice d = fresh();
        d.factoryFlash(Slot.A, IMAGES.standard("v1").bytes());
        jump(d.cycle().boot());
        d.reboot(ResetCause.SOFTWARE);
        return d;
    }

    static BootResult.Jump jump(BootResult r) {
        if (r instanceof BootResult.Jump j) {
            return j;
        }
        throw new AssertionError("expected a jump, got " + r);
    }
}
