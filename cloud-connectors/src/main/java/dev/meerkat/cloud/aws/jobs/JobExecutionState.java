package dev.meerkat.cloud.aws.jobs;

import java.util.Map;

/** Status, details and version of an execution, as returned by update/accepted and rejections. */
public record JobExecutionState(
        JobExecutionStatus status, Map<String, String> statusDetails, Long versionNumber) {

    public JobExecutionState {
        statusDetails = statusDetails == null ? null : Map.copyOf(statusDetails);
    }
}
