package dev.meerkat.firmware.mqtt;

import java.util.Random;

/**
 * Reconnect delays: exponential from {@code min} to {@code max}, each drawn uniformly from the
 * upper half of the current step ("equal jitter"), so a fleet that lost its broker does not come
 * back in lockstep.
 */
public final class Backoff {

    private final long minMillis;
    private final long maxMillis;
    private final Random random;
    private int attempt;

    public Backoff(long minMillis, long maxMillis, Random random) {
        if (minMillis <= 0 || maxMillis < minMillis) {
            throw new IllegalArgumentException("need 0 < min <= max");
        }
        this.minMillis = minMillis;
        this.maxMillis = maxMillis;
        this.random = random;
    }

    /** The delay before the next attempt; each call moves one step up. */
    public synchronized long nextDelayMillis() {
        long step = minMillis << Math.min(attempt, 30);
        if (step <= 0 || step > maxMillis) {
            step = maxMillis;
        }
        attempt++;
        long half = step / 2;
        return half + (long) (random.nextDouble() * (step - half + 1));
    }

    /** After a success: the next failure starts from {@code min} again. */
    public synchronized void reset() {
        attempt = 0;
    }

    public synchronized int attempts() {
        return attempt;
    }
}
