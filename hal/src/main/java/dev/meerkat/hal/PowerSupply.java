package dev.meerkat.hal;

import java.util.Random;

/**
 * The device's power rail and the power-cut injector shared by every component that changes
 * persistent state (flash, OTP counters).
 *
 * <p>Each state-changing operation (a flash write or erase, a counter increase) asks {@link
 * #beginMutation(String)} first. Operations are numbered from zero in the order they start. With
 * {@link #cutAfter(long) cutAfter(n)} armed, the next {@code n} operations complete normally and
 * the one after them is <em>torn</em>: the component applies part of its effect (chosen with {@link
 * #random()}, seeded for reproducibility) and throws {@link PowerLossException}. From then on every
 * operation, reads included, throws until the device is reset ({@link #restore()}). Reads are never
 * torn and are not counted as cut points, because a cut during a read leaves flash exactly as a cut
 * just before it.
 */
public final class PowerSupply {

    private final Random random;
    private long started;
    private long tearAt = -1;
    private boolean down;

    /** A supply whose tearing choices are a deterministic function of {@code seed}. */
    public PowerSupply(long seed) {
        // spread neighbouring seeds apart: java.util.Random's first outputs are correlated for them
        long z = (seed + 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L;
        this.random = new Random(z ^ (z >>> 31));
    }

    /**
     * Arms a cut: {@code operations} more state-changing operations complete, the following one is
     * torn. {@code cutAfter(0)} tears the very next operation.
     */
    public void cutAfter(long operations) {
        if (operations < 0) {
            throw new IllegalArgumentException("operations must be >= 0: " + operations);
        }
        tearAt = started + operations;
    }

    /** Removes an armed cut that has not happened yet. */
    public void disarm() {
        tearAt = -1;
    }

    /** Whether a cut is armed and has not happened yet. */
    public boolean armed() {
        return tearAt >= 0 && !down;
    }

    /** Whether the power is currently off (a cut happened and the device was not reset). */
    public boolean isDown() {
        return down;
    }

    /** Number of state-changing operations started since this supply was created. */
    public long operationCount() {
        return started;
    }

    /**
     * Restores power after a cut (part of every device reset). A cut armed for a later operation
     * stays armed: a reset that is not a power failure does not move the moment the supply fails.
     */
    public void restore() {
        down = false;
    }

    /** Fails with {@link PowerLossException} when the power is off; used by reads. */
    public void ensureUp(String what) {
        if (down) {
            throw new PowerLossException("power is off: " + what + " not executed");
        }
    }

    /**
     * Registers the start of a state-changing operation.
     *
     * @return {@code true} when this operation is the one torn by the cut: the caller applies a
     *     partial effect and then throws {@link #tornException(String)}
     * @throws PowerLossException when the power is already off (nothing is applied)
     */
    public boolean beginMutation(String what) {
        ensureUp(what);
        long index = started++;
        if (index == tearAt) {
            down = true;
            tearAt = -1;
            return true;
        }
        return false;
    }

    /** The exception a torn operation throws after applying its partial effect. */
    public PowerLossException tornException(String what) {
        return new PowerLossException(
                "power cut during " + what + " (operation " + (started - 1) + ")");
    }

    /** Seeded source of the undefined parts of torn operations. */
    public Random random() {
        return random;
    }
}
