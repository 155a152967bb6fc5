package dev.meerkat.cloud.aws.control;

import java.util.List;

/**
 * Body of ListJobExecutionsForJob's response ({@code GET
 * /jobs/{jobId}/things?status=&maxResults=&nextToken=}).
 */
public record ListJobExecutionsForJobResponse(List<Entry> executionSummaries, String nextToken) {

    public ListJobExecutionsForJobResponse {
        executionSummaries =
                executionSummaries == null ? List.of() : List.copyOf(executionSummaries);
    }

    public record Entry(String thingArn, Summary jobExecutionSummary) {}

    public record Summary(
            String status,
            Long queuedAt,
            Long startedAt,
            Long lastUpdatedAt,
            Long executionNumber,
            Integer retryAttempt) {}
}
