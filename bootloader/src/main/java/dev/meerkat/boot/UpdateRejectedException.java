package dev.meerkat.boot;

import java.util.Objects;

/** {@link BootControl#installUpdate(Slot)} refused an image; the boot state is unchanged. */
public final class UpdateRejectedException extends Exception {

    private static final long serialVersionUID = 1L;

    private final RollbackReason reason;

    public UpdateRejectedException(RollbackReason reason, String detail) {
        super(reason + ": " + detail);
        this.reason = Objects.requireNonNull(reason);
    }

    /** Why the image was refused. */
    public RollbackReason reason() {
        return reason;
    }
}
