package dev.meerkat.cloud.aws.jobs;

/** An entry of {@code inProgressJobs}/{@code queuedJobs} and of the notify event lists. */
public record JobExecutionSummary(
        String jobId,
        Long executionNumber,
        Long versionNumber,
        Long lastUpdatedAt,
        Long queuedAt,
        Long startedAt) {}
