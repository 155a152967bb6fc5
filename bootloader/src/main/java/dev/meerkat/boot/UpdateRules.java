package dev.meerkat.boot;

import java.util.Objects;
import java.util.Optional;

/**
 * What the running firmware adds to the bootloader's own rules when it accepts an update: the
 * platform the image must be built for and whether a lower version may replace the running one. The
 * security counter and dependencies need no rule: the device and {@link BootConfig} fix them.
 *
 * @param platform the platform TLV and the value this device requires; empty: any image
 * @param allowDowngrade whether an image with a lower version than the running one is accepted
 */
public record UpdateRules(Optional<Platform> platform, boolean allowDowngrade) {

    public UpdateRules {
        Objects.requireNonNull(platform);
    }

    /**
     * A platform requirement: protected TLV {@code tlvType} holds the platform name in UTF-8.
     *
     * @param tlvType the custom protected TLV carrying the platform name
     * @param name this device's platform
     */
    public record Platform(int tlvType, String name) {
        public Platform {
            Objects.requireNonNull(name);
        }
    }

    /**
     * The bootloader's own rules alone (security counter, dependencies): any platform, any version.
     */
    public static UpdateRules bootloaderOnly() {
        return new UpdateRules(Optional.empty(), true);
    }
}
