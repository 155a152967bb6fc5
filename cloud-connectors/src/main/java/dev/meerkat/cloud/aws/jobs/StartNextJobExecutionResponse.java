package dev.meerkat.cloud.aws.jobs;

/**
 * Payload of {@code .../jobs/start-next/accepted}; {@code execution} is absent when nothing is
 * pending.
 */
public record StartNextJobExecutionResponse(
        JobExecution execution, Long timestamp, String clientToken) {}
