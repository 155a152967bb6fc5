package dev.meerkat.cloud.aws.jobs;

import java.util.Map;

/**
 * The rules that turn a device's request into a new execution state, as pure functions: a backend
 * loads the current execution, applies one of these and stores the result with a compare-and-set on
 * {@code versionNumber}. Every refusal carries AWS's error code.
 */
public final class ExecutionUpdates {

    private ExecutionUpdates() {}

    /** A fresh QUEUED execution as the service creates it when a thing becomes a job target. */
    public static JobExecution queued(
            String jobId,
            String thingName,
            com.fasterxml.jackson.databind.JsonNode document,
            long executionNumber,
            long nowSeconds) {
        return new JobExecution(
                jobId,
                thingName,
                document,
                JobExecutionStatus.QUEUED,
                Map.of(),
                nowSeconds,
                null,
                nowSeconds,
                null,
                1L,
                executionNumber);
    }

    /**
     * UpdateJobExecution. Checks, in AWS's order: the requested status is one a device may set, the
     * execution number matches, the execution is not terminal, {@code expectedVersion} matches, the
     * transition is in the table. Details not sent are kept; the version goes up by one.
     */
    public static JobExecution update(
            JobExecution current, UpdateJobExecutionRequest request, long nowSeconds) {
        JobsLimits.checkRequest(
                request.clientToken(), request.statusDetails(), request.stepTimeoutInMinutes());
        if (request.status() == null || !request.status().settableByDevice()) {
            throw new JobsProtocolException(
                    RejectedErrorCode.InvalidRequest,
                    "status must be one of IN_PROGRESS, SUCCEEDED, FAILED, REJECTED");
        }
        if (request.executionNumber() != null
                && !request.executionNumber().equals(current.executionNumber())) {
            throw new JobsProtocolException(
                    RejectedErrorCode.ResourceNotFound,
                    "no execution number "
                            + request.executionNumber()
                            + " of job "
                            + current.jobId());
        }
        if (current.status().terminal()) {
            throw new JobsProtocolException(
                    RejectedErrorCode.TerminalStateReached,
                    "job execution " + current.jobId() + " is already " + current.status(),
                    current.state());
        }
        if (request.expectedVersion() != null
                && !request.expectedVersion().equals(current.versionNumber())) {
            throw new JobsProtocolException(
                    RejectedErrorCode.VersionMismatch,
                    "expected version "
                            + request.expectedVersion()
                            + " but the execution is at "
                            + current.versionNumber(),
                    current.state());
        }
        if (!ExecutionTransitions.allowed(
                ExecutionTransitions.Actor.DEVICE, current.status(), request.status())) {
            throw new JobsProtocolException(
                    RejectedErrorCode.InvalidStateTransition,
                    "cannot go from " + current.status() + " to " + request.status(),
                    current.state());
        }
        Map<String, String> details =
                request.statusDetails() != null ? request.statusDetails() : current.statusDetails();
        Long startedAt = current.startedAt() != null ? current.startedAt() : nowSeconds;
        // a new step timeout restarts the step timer; a terminal status stops it
        Long remaining = current.approximateSecondsBeforeTimedOut();
        if (request.status().terminal()) {
            remaining = null;
        } else if (request.stepTimeoutInMinutes() != null) {
            remaining = request.stepTimeoutInMinutes() * 60;
        }
        return new JobExecution(
                current.jobId(),
                current.thingName(),
                current.jobDocument(),
                request.status(),
                details,
                current.queuedAt(),
                startedAt,
                nowSeconds,
                remaining,
                current.versionNumber() + 1,
                current.executionNumber());
    }

    /**
     * StartNextPendingJobExecution on the first pending execution: a QUEUED one moves to
     * IN_PROGRESS (version + 1, details set if given); one already IN_PROGRESS is returned
     * unchanged.
     */
    public static JobExecution startNext(
            JobExecution next, StartNextPendingJobExecutionRequest request, long nowSeconds) {
        JobsLimits.checkRequest(
                request.clientToken(), request.statusDetails(), request.stepTimeoutInMinutes());
        if (next.status() == JobExecutionStatus.IN_PROGRESS) {
            return next;
        }
        if (!ExecutionTransitions.allowed(
                ExecutionTransitions.Actor.SERVICE,
                next.status(),
                JobExecutionStatus.IN_PROGRESS)) {
            throw new JobsProtocolException(
                    RejectedErrorCode.InvalidStateTransition,
                    "cannot start an execution that is " + next.status(),
                    next.state());
        }
        Map<String, String> details =
                request.statusDetails() != null ? request.statusDetails() : next.statusDetails();
        Long remaining =
                request.stepTimeoutInMinutes() == null ? null : request.stepTimeoutInMinutes() * 60;
        return new JobExecution(
                next.jobId(),
                next.thingName(),
                next.jobDocument(),
                JobExecutionStatus.IN_PROGRESS,
                details,
                next.queuedAt(),
                nowSeconds,
                nowSeconds,
                remaining,
                next.versionNumber() + 1,
                next.executionNumber());
    }
}
