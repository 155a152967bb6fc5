package dev.meerkat.hal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One emulated device: a NOR flash part, an OTP counter bank, read-only root-of-trust provisioning,
 * a power supply with cut injection, a virtual clock with a watchdog, and a reset model.
 *
 * <p>Code "runs on" the device through {@link #run(Program)}: any {@link ResetException} thrown
 * inside (power loss, watchdog, software reset) stops it, resets the device and is reported as a
 * {@link RunOutcome.Reset}. After a reset, {@link #lastResetCause()} tells the next program (the
 * bootloader) why the device restarted, like a reset-reason register.
 */
public final class Device implements AutoCloseable {

    /** Code executed on the device. */
    @FunctionalInterface
    public interface Program<T> {
        T run(Device device) throws Exception;
    }

    private final NorFlash flash;
    private final OtpCounters counters;
    private final RootOfTrust rootOfTrust;
    private final PowerSupply power;
    private final VirtualClock clock;
    private final Watchdog watchdog;
    private ResetCause lastResetCause = ResetCause.POWER_ON;
    private long resets;

    private Device(
            NorFlash flash,
            OtpCounters counters,
            RootOfTrust rootOfTrust,
            PowerSupply power,
            VirtualClock clock) {
        this.flash = flash;
        this.counters = counters;
        this.rootOfTrust = rootOfTrust;
        this.power = power;
        this.clock = clock;
        this.watchdog = new Watchdog(clock);
    }

    /** Starts describing a device whose flash has {@code geometry}. */
    public static Builder builder(FlashGeometry geometry) {
        return new Builder(geometry);
    }

    public NorFlash flash() {
        return flash;
    }

    public MonotonicCounters counters() {
        return counters;
    }

    public RootOfTrust rootOfTrust() {
        return rootOfTrust;
    }

    public PowerSupply power() {
        return power;
    }

    public VirtualClock clock() {
        return clock;
    }

    public Watchdog watchdog() {
        return watchdog;
    }

    /** Why the device last started. */
    public ResetCause lastResetCause() {
        return lastResetCause;
    }

    /** Number of resets since the device object was created. */
    public long resetCount() {
        return resets;
    }

    /** Resets the device: power restored, watchdog stopped, reset reason latched. */
    public void reset(ResetCause cause) {
        power.restore();
        watchdog.stop();
        lastResetCause = Objects.requireNonNull(cause);
        resets++;
    }

    /**
     * Runs {@code program}. If the device resets underneath it the reset is performed and reported;
     * other exceptions propagate unchanged (they are bugs of the program, not device events).
     */
    public <T> RunOutcome<T> run(Program<T> program) {
        try {
            return new RunOutcome.Completed<>(program.run(this));
        } catch (ResetException e) {
            reset(e.cause());
            return new RunOutcome.Reset<>(e.cause(), String.valueOf(e.getMessage()));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("program failed: " + e, e);
        }
    }

    /** Called by code on the device to reboot deliberately; never returns. */
    public static SoftwareResetException reboot(String why) {
        throw new SoftwareResetException(ResetCause.SOFTWARE, why);
    }

    /** Called by code on the device when it crashes; never returns. */
    public static SoftwareResetException fault(String why) {
        throw new SoftwareResetException(ResetCause.FAULT, why);
    }

    /**
     * The persistent state of the device (flash content, wear, counters), for starting many
     * simulations from one prepared state.
     */
    public Snapshot snapshot() {
        return new Snapshot(flash.snapshot(), flash.eraseCounts(), counters.values());
    }

    /** Puts the persistent state back to {@code s} (power, clock and statistics are left alone). */
    public void restore(Snapshot s) {
        flash.load(s.flash(), s.wear());
        counters.load(s.counters());
    }

    /**
     * Persistent state of a device.
     *
     * @param flash whole flash content
     * @param wear erase counter of every sector
     * @param counters OTP counter values
     */
    public record Snapshot(byte[] flash, long[] wear, long[] counters) {
        public Snapshot {
            flash = flash.clone();
            wear = wear.clone();
            counters = counters.clone();
        }

        @Override
        public byte[] flash() {
            return flash.clone();
        }

        @Override
        public long[] wear() {
            return wear.clone();
        }

        @Override
        public long[] counters() {
            return counters.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Snapshot s
                    && java.util.Arrays.equals(flash, s.flash)
                    && java.util.Arrays.equals(wear, s.wear)
                    && java.util.Arrays.equals(counters, s.counters);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(flash) * 31 + java.util.Arrays.hashCode(counters);
        }

        @Override
        public String toString() {
            return "Snapshot["
                    + flash.length
                    + " flash bytes, counters="
                    + java.util.Arrays.toString(counters)
                    + "]";
        }
    }

    @Override
    public void close() throws IOException {
        flash.close();
    }

    /** Describes a device before creating it. */
    public static final class Builder {
        private final FlashGeometry geometry;
        private long seed = 1;
        private RootOfTrust rootOfTrust;
        private int counterCount = 4;
        private long counterMax = 0xFFFF_FFFFL;
        private Path directory;

        private Builder(FlashGeometry geometry) {
            this.geometry = Objects.requireNonNull(geometry);
        }

        /** Seed of the undefined content of torn operations. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Keys the device trusts. */
        public Builder rootOfTrust(RootOfTrust rot) {
            this.rootOfTrust = Objects.requireNonNull(rot);
            return this;
        }

        /** Size of the OTP counter bank. */
        public Builder counters(int count, long maxValue) {
            this.counterCount = count;
            this.counterMax = maxValue;
            return this;
        }

        /**
         * Keeps flash, counters and provisioning in {@code dir} ({@code flash.bin}, {@code
         * flash.bin.meta}, {@code otp-counters.txt}, {@code root-of-trust.txt}) so the device
         * survives a restart of the process. Provisioning is written once: reopening with different
         * keys fails.
         */
        public Builder backedBy(Path dir) {
            this.directory = Objects.requireNonNull(dir);
            return this;
        }

        public Device build() throws IOException {
            PowerSupply power = new PowerSupply(seed);
            if (directory == null) {
                return new Device(
                        NorFlash.inMemory(geometry, power),
                        OtpCounters.inMemory(counterCount, counterMax, power),
                        rootOfTrust == null ? RootOfTrust.none() : rootOfTrust,
                        power,
                        new VirtualClock());
            }
            Files.createDirectories(directory);
            Path rotFile = directory.resolve("root-of-trust.txt");
            RootOfTrust rot;
            if (Files.exists(rotFile)) {
                rot = RootOfTrust.load(rotFile);
                if (rootOfTrust != null && !rootOfTrust.equals(rot)) {
                    throw new IOException(
                            "device in " + directory + " is already provisioned with other keys");
                }
            } else {
                rot = rootOfTrust == null ? RootOfTrust.none() : rootOfTrust;
                NorFlash.writeAtomically(
                        rotFile, rot.toProvisioningText().getBytes(StandardCharsets.UTF_8));
            }
            NorFlash flash = NorFlash.fileBacked(directory.resolve("flash.bin"), geometry, power);
            OtpCounters counters =
                    OtpCounters.fileBacked(
                            directory.resolve("otp-counters.txt"), counterCount, counterMax, power);
            return new Device(flash, counters, rot, power, new VirtualClock());
        }
    }
}
