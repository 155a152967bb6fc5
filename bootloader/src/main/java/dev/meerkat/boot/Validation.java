package dev.meerkat.boot;

import dev.meerkat.image.VerifiedImage;
import java.util.Objects;

/** Outcome of validating the image in a slot. */
public sealed interface Validation permits Validation.Valid, Validation.Invalid {

    /** Whether the image may be booted. */
    default boolean isValid() {
        return this instanceof Valid;
    }

    /**
     * The image passed every check.
     *
     * @param image what the verifier established
     * @param securityCounter the image's security counter (0 when it carries none)
     */
    record Valid(VerifiedImage image, long securityCounter) implements Validation {
        public Valid {
            Objects.requireNonNull(image);
        }
    }

    /**
     * The image must not be booted.
     *
     * @param reason what failed
     * @param detail human-readable detail
     */
    record Invalid(RollbackReason reason, String detail) implements Validation {
        public Invalid {
            Objects.requireNonNull(reason);
            Objects.requireNonNull(detail);
        }
    }
}
