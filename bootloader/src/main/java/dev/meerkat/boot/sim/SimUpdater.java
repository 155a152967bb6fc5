package dev.meerkat.boot.sim;

import dev.meerkat.boot.BootControl;
import dev.meerkat.boot.FlashLayout;
import dev.meerkat.boot.Slot;
import dev.meerkat.boot.UpdateRejectedException;
import dev.meerkat.boot.UpdateRules;
import dev.meerkat.boot.UpdateSession;
import dev.meerkat.image.VerifiedImage;
import java.io.IOException;
import java.util.Objects;

/**
 * The simulated firmware's updater: streams an image through the bootloader's {@link UpdateSession}
 * in chunks of the profile's size, as a download delivers it, under the bootloader's own rules.
 */
public final class SimUpdater {

    private final BootControl control;
    private final FlashLayout layout;
    private final int chunkSize;

    SimUpdater(BootControl control, FlashLayout layout, int chunkSize) {
        this.control = Objects.requireNonNull(control);
        this.layout = Objects.requireNonNull(layout);
        int align = layout.flash().geometry().writeAlignment();
        if (chunkSize <= 0 || chunkSize % align != 0) {
            throw new IllegalArgumentException(
                    "chunk size must be a positive multiple of " + align);
        }
        this.chunkSize = chunkSize;
    }

    /** Writes {@code image} to {@code slot} (the inactive one) and marks it pending. */
    public VerifiedImage install(Slot slot, byte[] image)
            throws IOException, UpdateRejectedException {
        long size = layout.slot(slot).size();
        if (image.length > size) {
            throw new IOException(
                    "image of "
                            + image.length
                            + " bytes does not fit "
                            + layout.slot(slot).name()
                            + " ("
                            + size
                            + ")");
        }
        if (slot == control.bootState().running()) {
            throw new IllegalStateException("slot " + slot + " holds the running image");
        }
        UpdateSession s = control.beginUpdate(UpdateRules.bootloaderOnly());
        s.expectLength(image.length);
        for (int pos = 0; pos < image.length; pos += chunkSize) {
            s.write(pos, image, pos, Math.min(chunkSize, image.length - pos));
        }
        s.finish();
        return s.install();
    }
}
