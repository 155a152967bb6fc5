package dev.meerkat.cloud.aws.control;

import java.util.Map;

/**
 * Body of the control plane's DescribeJobExecution response ({@code GET
 * /things/{thing}/jobs/{jobId}}).
 */
public record DescribeJobExecutionResponse(Execution execution) {

    public record Execution(
            String jobId,
            String status,
            Boolean forceCanceled,
            StatusDetails statusDetails,
            String thingArn,
            Long queuedAt,
            Long startedAt,
            Long lastUpdatedAt,
            Long executionNumber,
            Long versionNumber,
            Long approximateSecondsBeforeTimedOut) {}

    public record StatusDetails(Map<String, String> detailsMap) {
        public StatusDetails {
            detailsMap = detailsMap == null ? null : Map.copyOf(detailsMap);
        }
    }
}
