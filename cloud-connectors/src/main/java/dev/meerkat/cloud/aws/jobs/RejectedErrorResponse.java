package dev.meerkat.cloud.aws.jobs;

/** Payload of every {@code .../rejected} topic. */
public record RejectedErrorResponse(
        RejectedErrorCode code,
        String message,
        Long timestamp,
        String clientToken,
        JobExecutionState executionState) {}
