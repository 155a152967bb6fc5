package dev.meerkat.boot;

import dev.meerkat.image.VerifiedImage;
import java.util.List;
import java.util.Objects;

/** What the bootloader decided. */
public sealed interface BootResult permits BootResult.Jump, BootResult.Recovery {

    /**
     * Start the image in {@code slot}.
     *
     * @param slot slot to execute in place
     * @param mode normal or test boot
     * @param image the validated image
     * @param state the boot state the firmware will see
     */
    record Jump(Slot slot, BootMode mode, VerifiedImage image, BootRecord state)
            implements BootResult {
        public Jump {
            Objects.requireNonNull(slot);
            Objects.requireNonNull(mode);
            Objects.requireNonNull(image);
            Objects.requireNonNull(state);
        }
    }

    /**
     * No bootable image: the device stays in the bootloader's recovery mode and says why.
     *
     * @param problems one line per slot
     */
    record Recovery(List<String> problems) implements BootResult {
        public Recovery {
            problems = List.copyOf(problems);
        }

        /** The text a recovery console prints. */
        public String report() {
            return "RECOVERY: no bootable image; " + String.join("; ", problems);
        }
    }
}
