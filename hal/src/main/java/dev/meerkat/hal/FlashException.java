package dev.meerkat.hal;

import java.util.Objects;

/**
 * A flash operation the part would refuse: out of range, misaligned, or programming bits that are
 * not erased. These are programming errors of the flash user, not environmental failures, and the
 * part's content is left untouched.
 */
public final class FlashException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What was wrong with the operation. */
    public enum Kind {
        OUT_OF_RANGE,
        MISALIGNED,
        NOT_ERASED,
        IO
    }

    private final Kind kind;

    public FlashException(Kind kind, String message) {
        this(kind, message, null);
    }

    public FlashException(Kind kind, String message, Throwable cause) {
        super(kind + ": " + message, cause);
        this.kind = Objects.requireNonNull(kind);
    }

    public Kind kind() {
        return kind;
    }
}
