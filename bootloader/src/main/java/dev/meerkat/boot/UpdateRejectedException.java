package dev.meerkat.boot;

import java.util.Objects;

/**
 * An update was refused: by the precheck while it was written ({@link #beforeInstall()}), or by
 * {@link BootControl#installUpdate(Slot)}; the boot state is unchanged (the slot stays not
 * bootable).
 */
public final class UpdateRejectedException extends Exception {

    private static final long serialVersionUID = 1L;

    private final RollbackReason reason;
    private final String detail;
    private final boolean beforeInstall;

    public UpdateRejectedException(RollbackReason reason, String detail) {
        this(reason, detail, false);
    }

    private UpdateRejectedException(RollbackReason reason, String detail, boolean beforeInstall) {
        super(reason + ": " + detail);
        this.reason = Objects.requireNonNull(reason);
        this.detail = Objects.requireNonNull(detail);
        this.beforeInstall = beforeInstall;
    }

    /** Refused by the precheck of an {@link UpdateSession}, before the image was installed. */
    static UpdateRejectedException beforeInstall(RollbackReason reason, String detail) {
        return new UpdateRejectedException(reason, detail, true);
    }

    /** What is wrong, without the reason code. */
    public String detail() {
        return detail;
    }

    /**
     * Whether the precheck refused the image while it was written, rather than validation at
     * install.
     */
    public boolean beforeInstall() {
        return beforeInstall;
    }

    /** Why the image was refused. */
    public RollbackReason reason() {
        return reason;
    }
}
