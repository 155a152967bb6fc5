package dev.meerkat.fleet.deploy;

/** Where one device's execution of a deployment stands (AWS IoT Jobs' execution states). */
public enum ExecutionState {
    QUEUED,
    IN_PROGRESS,
    SUCCEEDED,
    FAILED,
    REJECTED,
    TIMED_OUT,
    CANCELED,
    REMOVED;

    public boolean isFinal() {
        return this != QUEUED && this != IN_PROGRESS;
    }

    /** The device ran the update and it ended badly (counted by abort criteria). */
    public boolean isFailure() {
        return this == FAILED || this == REJECTED || this == TIMED_OUT;
    }

    /** The device ran it to an outcome (what abort percentages are taken of). */
    public boolean isExecuted() {
        return this == SUCCEEDED || isFailure();
    }
}
