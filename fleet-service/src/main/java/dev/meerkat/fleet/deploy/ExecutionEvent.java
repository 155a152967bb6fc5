package dev.meerkat.fleet.deploy;

/** What can happen to an execution, and who may make it happen. */
public enum ExecutionEvent {
    /** Device: started or made progress (downloading, installing, rebooting). */
    START(true),
    /** Device: the new image booted and was committed. */
    SUCCEED(true),
    /** Device: the update failed (download, verification, or the bootloader rolled back). */
    FAIL(true),
    /** Device: refused the update (wrong platform, downgrade, policy). */
    REJECT(true),
    /** Service: no final report within the in-progress timeout. */
    TIME_OUT(false),
    /** Service: a failure or timeout with retries left puts the execution back in the queue. */
    RETRY(false),
    /** Service or operator: the deployment was aborted or canceled before the device began. */
    CANCEL(false),
    /** Service: the device left the target group before it began. */
    REMOVE(false);

    private final boolean byDevice;

    ExecutionEvent(boolean byDevice) {
        this.byDevice = byDevice;
    }

    public boolean byDevice() {
        return byDevice;
    }
}
