package dev.meerkat.fleet.deploy;

/** Which failed executions a criterion counts (AWS's failureType). */
public enum FailureType {
    FAILED,
    REJECTED,
    TIMED_OUT,
    ALL;

    public boolean counts(ExecutionState s) {
        return switch (this) {
            case FAILED -> s == ExecutionState.FAILED;
            case REJECTED -> s == ExecutionState.REJECTED;
            case TIMED_OUT -> s == ExecutionState.TIMED_OUT;
            case ALL -> s.isFailure();
        };
    }
}
