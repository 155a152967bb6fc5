package dev.meerkat.cloud.aws.control;

/** Body of CreateJob's response; also the shape of CancelJob's. */
public record CreateJobResponse(String jobArn, String jobId, String description) {}
