package dev.meerkat.firmware.ota;

import dev.meerkat.boot.RollbackReason;
import java.util.Optional;

/** A reason to give up an update (reported as its outcome, never retried). */
final class OtaRefused extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient Optional<RollbackReason> reason;

    OtaRefused(String message) {
        this(message, Optional.empty());
    }

    OtaRefused(String message, Optional<RollbackReason> reason) {
        super(message);
        this.reason = reason;
    }

    /** The bootloader's reason, when validation at install refused the image. */
    Optional<RollbackReason> reason() {
        return reason;
    }
}
