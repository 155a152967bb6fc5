package dev.meerkat.boot.sim;

import dev.meerkat.boot.BootConfig;
import dev.meerkat.boot.BootControl;
import dev.meerkat.boot.BootListener;
import dev.meerkat.boot.BootMode;
import dev.meerkat.boot.BootResult;
import dev.meerkat.boot.Bootloader;
import dev.meerkat.boot.FlashLayout;
import dev.meerkat.boot.Slot;
import dev.meerkat.boot.UpdateRejectedException;
import dev.meerkat.hal.Device;
import dev.meerkat.hal.FlashArea;
import dev.meerkat.hal.PowerLossException;
import dev.meerkat.hal.ResetCause;
import dev.meerkat.hal.ResetException;
import dev.meerkat.hal.RootOfTrust;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * An emulated board running the Meerkat bootloader and a simulated firmware. A power cycle ({@link
 * #cycle()}) boots, and when the bootloader jumps, runs the firmware the image describes. Resets
 * the firmware causes (fault, watchdog, reboot) are absorbed and recorded; a power loss propagates
 * to the caller, who decides when power comes back.
 */
public final class SimDevice {

    /** Result of one power cycle. */
    public record Cycle(BootResult boot, Optional<ResetCause> firmwareReset) {}

    private final SimProfile profile;
    private final SimImages images;
    private final Device device;
    private final FlashLayout layout;
    private final BootConfig config;

    private SimDevice(SimProfile profile, SimImages images, Device device, BootConfig config) {
        this.profile = profile;
        this.images = images;
        this.device = device;
        this.layout = profile.layout(device.flash());
        this.config = config;
    }

    /** A factory-fresh board provisioned with {@code images}' keys. */
    public static SimDevice create(
            SimProfile profile, SimImages images, long seed, BootListener listener) {
        return create(profile, images, images.rootOfTrust(), seed, listener);
    }

    /** A factory-fresh board with explicit provisioning. */
    public static SimDevice create(
            SimProfile profile,
            SimImages images,
            RootOfTrust rot,
            long seed,
            BootListener listener) {
        try {
            Device d = Device.builder(profile.geometry()).seed(seed).rootOfTrust(rot).build();
            return new SimDevice(profile, images, d, BootConfig.defaults().withListener(listener));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A board whose persistent state is {@code snapshot}. */
    public static SimDevice restore(
            SimProfile profile,
            SimImages images,
            Device.Snapshot snapshot,
            long seed,
            BootListener listener) {
        SimDevice d = create(profile, images, seed, listener);
        d.device.restore(snapshot);
        return d;
    }

    public Device device() {
        return device;
    }

    public FlashLayout layout() {
        return layout;
    }

    public SimImages images() {
        return images;
    }

    public SimProfile profile() {
        return profile;
    }

    public BootConfig config() {
        return config;
    }

    /** The application API, as the running firmware uses it. */
    public BootControl control() {
        return new BootControl(device, layout, config);
    }

    /** The updater, writing chunks of the profile's size. */
    public SimUpdater updater() {
        return new SimUpdater(control(), layout, profile.chunkSize());
    }

    /** Runs the bootloader once. */
    public BootResult boot() {
        return new Bootloader(device, layout, config).boot();
    }

    /** Boot, then run the firmware that was started (if any). */
    public Cycle cycle() {
        return cycle(r -> {});
    }

    /**
     * Like {@link #cycle()}, calling {@code afterBoot} between the boot decision and the firmware.
     */
    public Cycle cycle(Consumer<BootResult> afterBoot) {
        BootResult r = boot();
        afterBoot.accept(r);
        if (r instanceof BootResult.Jump j) {
            try {
                runFirmware(j);
            } catch (PowerLossException e) {
                throw e;
            } catch (ResetException e) {
                device.reset(e.cause());
                return new Cycle(r, Optional.of(e.cause()));
            }
        }
        return new Cycle(r, Optional.empty());
    }

    /** Resets the board (e.g. a deliberate reboot after installing an update). */
    public void reboot(ResetCause cause) {
        device.reset(cause);
    }

    /**
     * Programs {@code image} into {@code slot} as a factory programmer would (no boot-state
     * change).
     */
    public void factoryFlash(Slot slot, byte[] image) {
        FlashArea area = layout.slot(slot);
        area.eraseAll();
        int align = area.writeAlignment();
        byte[] padded = java.util.Arrays.copyOf(image, (image.length + align - 1) / align * align);
        java.util.Arrays.fill(padded, image.length, padded.length, (byte) 0xFF);
        area.write(0, padded);
    }

    /** The running firmware downloads {@code image} into {@code slot} and installs it. */
    public void install(Slot slot, SimImages.Image image) throws UpdateRejectedException {
        try {
            updater().install(slot, image.bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The firmware in the slot {@code j} names, as it would run: its behaviour on a test boot. */
    private void runFirmware(BootResult.Jump j) {
        FlashArea area = layout.slot(j.slot());
        byte[] start = area.read(j.image().header().headerSize(), 96);
        Behavior behavior = SimImages.behaviorOf(start);
        device.clock().advanceMillis(20);
        device.watchdog().kick();
        if (j.mode() == BootMode.NORMAL) {
            return;
        }
        BootControl control = control();
        switch (behavior) {
            case COMMIT -> {
                device.clock().advanceMillis(50);
                device.watchdog().kick();
                control.commit();
            }
            case AUTO_COMMIT -> {
                for (int t = 0; t < 3000; t += 500) {
                    device.clock().advanceMillis(500);
                    device.watchdog().kick();
                }
                control.commit();
            }
            case FAIL_INIT -> {
                device.clock().advanceMillis(30);
                throw Device.fault("firmware init failed");
            }
            case HANG -> {
                while (true) {
                    device.clock().advance(Duration.ofMillis(100));
                }
            }
            case REVERT -> {
                control.revert();
                throw Device.reboot("firmware requested revert");
            }
            default -> throw new IllegalStateException("unhandled behaviour " + behavior);
        }
    }

    @Override
    public String toString() {
        return "SimDevice[" + profile.name() + "]";
    }
}
