package dev.meerkat.cloud.aws.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * One job execution as the Jobs MQTT API shows it ({@code JobExecutionData}). Timestamps are
 * seconds since the epoch; {@code jobDocument} is a JSON object on MQTT (a string on the HTTPS data
 * plane).
 */
public record JobExecution(
        String jobId,
        String thingName,
        JsonNode jobDocument,
        JobExecutionStatus status,
        Map<String, String> statusDetails,
        Long queuedAt,
        Long startedAt,
        Long lastUpdatedAt,
        Long approximateSecondsBeforeTimedOut,
        Long versionNumber,
        Long executionNumber) {

    public JobExecution {
        statusDetails = statusDetails == null ? null : Map.copyOf(statusDetails);
    }

    /** The summary form used in pending lists and notify events. */
    public JobExecutionSummary summary() {
        return new JobExecutionSummary(
                jobId, executionNumber, versionNumber, lastUpdatedAt, queuedAt, startedAt);
    }

    /** The state form used in update responses and rejections. */
    public JobExecutionState state() {
        return new JobExecutionState(status, statusDetails, versionNumber);
    }

    /** The same execution without its document (when the request did not ask for it). */
    public JobExecution withoutDocument() {
        return new JobExecution(
                jobId,
                thingName,
                null,
                status,
                statusDetails,
                queuedAt,
                startedAt,
                lastUpdatedAt,
                approximateSecondsBeforeTimedOut,
                versionNumber,
                executionNumber);
    }
}
