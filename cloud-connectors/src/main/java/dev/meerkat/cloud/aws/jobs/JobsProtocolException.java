package dev.meerkat.cloud.aws.jobs;

/**
 * A request the Jobs service refuses; carries the AWS error code and, for version or state
 * conflicts, the execution's current state so the device can resynchronise.
 */
public final class JobsProtocolException extends RuntimeException {

    private final RejectedErrorCode code;
    private final JobExecutionState executionState;

    public JobsProtocolException(RejectedErrorCode code, String message) {
        this(code, message, null);
    }

    public JobsProtocolException(
            RejectedErrorCode code, String message, JobExecutionState executionState) {
        super(message);
        this.code = code;
        this.executionState = executionState;
    }

    public RejectedErrorCode code() {
        return code;
    }

    /** The current state, or null when it does not help the caller. */
    public JobExecutionState executionState() {
        return executionState;
    }
}
