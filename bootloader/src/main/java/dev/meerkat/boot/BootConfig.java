package dev.meerkat.boot;

import dev.meerkat.image.ImageVersion;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Build-time configuration of the bootloader.
 *
 * @param imageId MCUboot image number of the application (dependencies on it refer to the currently
 *     running version: "this update needs at least version X")
 * @param counterId OTP counter holding the application's security counter
 * @param components versions of other firmware components on the device, by image number, for
 *     DEPENDENCY checks (e.g. a radio firmware)
 * @param testWatchdog watchdog timeout armed before jumping to an image in test mode
 * @param normalWatchdog watchdog timeout for normal boots; empty leaves the watchdog off
 * @param listener boot log
 */
public record BootConfig(
        int imageId,
        int counterId,
        Map<Integer, ImageVersion> components,
        Duration testWatchdog,
        Optional<Duration> normalWatchdog,
        BootListener listener) {

    public BootConfig {
        components = Map.copyOf(components);
        Objects.requireNonNull(testWatchdog);
        Objects.requireNonNull(normalWatchdog);
        Objects.requireNonNull(listener);
    }

    /** Image 0, counter 0, no other components, 10 s test watchdog, 30 s normal watchdog. */
    public static BootConfig defaults() {
        return new BootConfig(
                0,
                0,
                Map.of(),
                Duration.ofSeconds(10),
                Optional.of(Duration.ofSeconds(30)),
                BootListener.NONE);
    }

    public BootConfig withListener(BootListener l) {
        return new BootConfig(imageId, counterId, components, testWatchdog, normalWatchdog, l);
    }

    public BootConfig withComponents(Map<Integer, ImageVersion> c) {
        return new BootConfig(imageId, counterId, c, testWatchdog, normalWatchdog, listener);
    }

    public BootConfig withTestWatchdog(Duration d) {
        return new BootConfig(imageId, counterId, components, d, normalWatchdog, listener);
    }
}
