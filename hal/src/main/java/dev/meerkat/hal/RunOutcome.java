package dev.meerkat.hal;

import java.util.Objects;

/**
 * How a piece of code run on a {@link Device} ended: it returned, or the device reset under it.
 *
 * @param <T> result type of the code
 */
public sealed interface RunOutcome<T> permits RunOutcome.Completed, RunOutcome.Reset {

    /** The code returned {@code value}. */
    record Completed<T>(T value) implements RunOutcome<T> {}

    /** The device reset while running the code. */
    record Reset<T>(ResetCause cause, String detail) implements RunOutcome<T> {
        public Reset {
            Objects.requireNonNull(cause);
            Objects.requireNonNull(detail);
        }
    }
}
