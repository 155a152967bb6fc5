package dev.meerkat.cloud.aws.jobs;

/**
 * Payload of {@code $aws/things/{thing}/jobs/notify-next}; {@code execution} is absent when no
 * pending execution is left.
 */
public record NextJobExecutionChangedEvent(JobExecution execution, Long timestamp) {}
