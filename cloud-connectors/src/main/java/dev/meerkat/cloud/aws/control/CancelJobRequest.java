package dev.meerkat.cloud.aws.control;

/** Body of CancelJob ({@code PUT /jobs/{jobId}/cancel?force=}). */
public record CancelJobRequest(String reasonCode, String comment) {}
