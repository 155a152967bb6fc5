package dev.meerkat.hal;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Independent watchdog timer driven by a {@link VirtualClock}. Once started, the running code must
 * {@link #kick()} it more often than the timeout; otherwise, when virtual time passes the deadline,
 * {@link VirtualClock#advance(Duration)} throws {@link WatchdogResetException} and the device
 * resets. A device reset stops the watchdog (as after a hardware reset, the bootloader decides
 * whether to start it again).
 */
public final class Watchdog {

    private final VirtualClock clock;
    private Duration timeout;
    private long deadline = Long.MAX_VALUE;
    private long expirations;

    public Watchdog(VirtualClock clock) {
        this.clock = Objects.requireNonNull(clock);
        clock.register(
                new VirtualClock.Alarm() {
                    @Override
                    public long deadlineNanos() {
                        return deadline;
                    }

                    @Override
                    public void fire() {
                        deadline = Long.MAX_VALUE;
                        expirations++;
                        throw new WatchdogResetException(
                                "watchdog expired after "
                                        + timeout.toMillis()
                                        + " ms without a kick");
                    }
                });
    }

    /** Starts (or restarts) the watchdog with {@code timeout}; the countdown begins now. */
    public void start(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("watchdog timeout must be positive");
        }
        this.timeout = timeout;
        this.deadline = clock.nanos() + timeout.toNanos();
    }

    /** Restarts the countdown. Kicking a stopped watchdog does nothing. */
    public void kick() {
        if (isRunning()) {
            deadline = clock.nanos() + timeout.toNanos();
        }
    }

    /** Stops the watchdog (done by a device reset). */
    void stop() {
        deadline = Long.MAX_VALUE;
    }

    /** Whether the watchdog is counting down. */
    public boolean isRunning() {
        return deadline != Long.MAX_VALUE;
    }

    /** Time left before the watchdog bites, when running. */
    public Optional<Duration> remaining() {
        return isRunning()
                ? Optional.of(Duration.ofNanos(deadline - clock.nanos()))
                : Optional.empty();
    }

    /** How many times the watchdog has fired. */
    public long expirations() {
        return expirations;
    }
}
