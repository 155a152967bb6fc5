package dev.meerkat.cloud.aws.jobs;

import java.util.Map;

/** Payload of {@code $aws/things/{thing}/jobs/start-next}. */
public record StartNextPendingJobExecutionRequest(
        Map<String, String> statusDetails, Long stepTimeoutInMinutes, String clientToken) {

    public StartNextPendingJobExecutionRequest {
        statusDetails = statusDetails == null ? null : Map.copyOf(statusDetails);
    }
}
