package dev.meerkat.fleet.deploy;

/** Where a deployment stands. */
public enum DeploymentState {
    /** Releasing executions of the current phase (as its start time, rate and windows allow). */
    RUNNING,
    /** The current phase finished and met its success criteria; waits for "next phase". */
    WAITING,
    /** Stopped by an operator or by unmet success criteria; executions in flight still report. */
    PAUSED,
    COMPLETED,
    /** Stopped by an abort criterion; queued executions were canceled. */
    ABORTED,
    CANCELED;

    public boolean isFinal() {
        return this == COMPLETED || this == ABORTED || this == CANCELED;
    }
}
