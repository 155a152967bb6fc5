package dev.meerkat.cloud.aws.jobs;

import java.util.List;

/** Payload of {@code .../jobs/get/accepted}. */
public record GetPendingJobExecutionsResponse(
        List<JobExecutionSummary> inProgressJobs,
        List<JobExecutionSummary> queuedJobs,
        Long timestamp,
        String clientToken) {

    public GetPendingJobExecutionsResponse {
        inProgressJobs = inProgressJobs == null ? List.of() : List.copyOf(inProgressJobs);
        queuedJobs = queuedJobs == null ? List.of() : List.copyOf(queuedJobs);
    }
}
