package dev.meerkat.hal;

/**
 * A bank of hardware monotonic counters (OTP / eFuse backed), e.g. the anti-rollback security
 * counter. A counter starts at zero and can only increase, never past {@link #maxValue()}.
 */
public interface MonotonicCounters {

    /** Number of counters in the bank. */
    int count();

    /** Largest value a counter can reach. */
    long maxValue();

    /** Current value of counter {@code id}. */
    long read(int id);

    /**
     * Raises counter {@code id} to {@code value}; a value equal to the current one is a no-op.
     *
     * @return the new value
     * @throws CounterException when {@code value} is below the current value or above the maximum
     * @throws PowerLossException when the power fails; a torn increase leaves the counter somewhere
     *     between its old value and {@code value}
     */
    long advanceTo(int id, long value);
}
