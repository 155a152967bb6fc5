package dev.meerkat.cloud.aws.jobs;

/** Status of one job execution on one thing (AWS {@code JobExecutionStatus}). */
public enum JobExecutionStatus {
    QUEUED,
    IN_PROGRESS,
    SUCCEEDED,
    FAILED,
    TIMED_OUT,
    REJECTED,
    REMOVED,
    CANCELED;

    /** A terminal execution accepts no further update ({@code TerminalStateReached}). */
    public boolean terminal() {
        return ExecutionTransitions.TERMINAL.contains(this);
    }

    /** Only these may appear in a device's UpdateJobExecution request. */
    public boolean settableByDevice() {
        return ExecutionTransitions.DEVICE_SETTABLE.contains(this);
    }
}
