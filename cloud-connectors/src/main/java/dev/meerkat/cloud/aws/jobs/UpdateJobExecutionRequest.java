package dev.meerkat.cloud.aws.jobs;

import java.util.Map;

/** Payload of {@code $aws/things/{thing}/jobs/{jobId}/update}. */
public record UpdateJobExecutionRequest(
        JobExecutionStatus status,
        Map<String, String> statusDetails,
        Long expectedVersion,
        Long executionNumber,
        Boolean includeJobExecutionState,
        Boolean includeJobDocument,
        Long stepTimeoutInMinutes,
        String clientToken) {

    public UpdateJobExecutionRequest {
        statusDetails = statusDetails == null ? null : Map.copyOf(statusDetails);
    }
}
