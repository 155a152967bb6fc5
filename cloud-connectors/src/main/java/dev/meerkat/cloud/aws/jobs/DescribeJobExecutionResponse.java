package dev.meerkat.cloud.aws.jobs;

/** Payload of {@code .../jobs/{jobId}/get/accepted}. */
public record DescribeJobExecutionResponse(
        JobExecution execution, Long timestamp, String clientToken) {}
