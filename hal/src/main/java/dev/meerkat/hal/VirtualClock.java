package dev.meerkat.hal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Simulated time of one device. Nothing sleeps: code running on the device advances the clock
 * explicitly ("this step takes 30 ms"), and timers such as the {@link Watchdog} fire while the
 * clock passes their deadline, which makes every run deterministic.
 */
public final class VirtualClock {

    /** Something that fires at a point of virtual time. */
    interface Alarm {
        /** Absolute deadline in nanoseconds, or {@code Long.MAX_VALUE} when disarmed. */
        long deadlineNanos();

        /** Called with the clock set to the deadline; may throw to interrupt the running code. */
        void fire();
    }

    private final List<Alarm> alarms = new ArrayList<>();
    private long nanos;

    /** Current virtual time since the clock was created. */
    public Duration now() {
        return Duration.ofNanos(nanos);
    }

    /** Current virtual time in milliseconds. */
    public long millis() {
        return nanos / 1_000_000;
    }

    /**
     * Lets {@code d} of virtual time pass. When an alarm's deadline falls inside the interval the
     * clock stops at that deadline and the alarm fires (a watchdog throws out of this method).
     */
    public void advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("time does not run backwards: " + d);
        }
        long target = Math.addExact(nanos, d.toNanos());
        while (true) {
            Alarm next = null;
            for (Alarm a : alarms) {
                if (a.deadlineNanos() <= target
                        && (next == null || a.deadlineNanos() < next.deadlineNanos())) {
                    next = a;
                }
            }
            if (next == null) {
                break;
            }
            nanos = Math.max(nanos, next.deadlineNanos());
            next.fire();
        }
        nanos = target;
    }

    /** Advances by {@code millis} milliseconds. */
    public void advanceMillis(long millis) {
        advance(Duration.ofMillis(millis));
    }

    long nanos() {
        return nanos;
    }

    void register(Alarm alarm) {
        alarms.add(alarm);
    }
}
