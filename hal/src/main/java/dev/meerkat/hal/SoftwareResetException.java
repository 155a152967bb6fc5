package dev.meerkat.hal;

import java.util.Objects;

/** Running code requested a reset (a deliberate reboot or a fault handler). */
public final class SoftwareResetException extends ResetException {

    private static final long serialVersionUID = 1L;

    private final ResetCause cause;

    public SoftwareResetException(ResetCause cause, String message) {
        super(message);
        if (cause != ResetCause.SOFTWARE && cause != ResetCause.FAULT) {
            throw new IllegalArgumentException(
                    "software can only request SOFTWARE or FAULT resets: " + cause);
        }
        this.cause = Objects.requireNonNull(cause);
    }

    @Override
    public ResetCause cause() {
        return cause;
    }
}
