package dev.meerkat.cloud.aws.jobs;

/** Payload of {@code $aws/things/{thing}/jobs/get}. */
public record GetPendingJobExecutionsRequest(String clientToken) {}
