package dev.meerkat.cloud.aws.jobs;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Payload of {@code $aws/things/{thing}/jobs/notify}: pending executions by status, IN_PROGRESS
 * before QUEUED, at most {@link #MAX_ENTRIES} in all.
 */
public record JobExecutionsChangedEvent(
        Map<JobExecutionStatus, List<JobExecutionSummary>> jobs, Long timestamp) {

    public static final int MAX_ENTRIES = 15;

    /** IN_PROGRESS before QUEUED in the JSON, as AWS writes them; other statuses after. */
    private static Map<JobExecutionStatus, List<JobExecutionSummary>> inAwsOrder(
            Map<JobExecutionStatus, List<JobExecutionSummary>> jobs) {
        Map<JobExecutionStatus, List<JobExecutionSummary>> ordered = new LinkedHashMap<>();
        for (JobExecutionStatus s :
                List.of(JobExecutionStatus.IN_PROGRESS, JobExecutionStatus.QUEUED)) {
            if (jobs.containsKey(s)) {
                ordered.put(s, List.copyOf(jobs.get(s)));
            }
        }
        jobs.forEach((s, list) -> ordered.putIfAbsent(s, List.copyOf(list)));
        return Collections.unmodifiableMap(ordered);
    }

    public JobExecutionsChangedEvent {
        jobs = jobs == null ? Map.of() : inAwsOrder(jobs);
    }
}
