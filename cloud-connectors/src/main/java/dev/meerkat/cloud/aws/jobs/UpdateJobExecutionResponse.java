package dev.meerkat.cloud.aws.jobs;

import com.fasterxml.jackson.databind.JsonNode;

/** Payload of {@code .../jobs/{jobId}/update/accepted}. */
public record UpdateJobExecutionResponse(
        JobExecutionState executionState,
        JsonNode jobDocument,
        Long timestamp,
        String clientToken) {}
