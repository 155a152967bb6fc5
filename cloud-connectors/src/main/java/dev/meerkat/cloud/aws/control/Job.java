package dev.meerkat.cloud.aws.control;

import dev.meerkat.cloud.aws.control.JobConfigs.AbortConfig;
import dev.meerkat.cloud.aws.control.JobConfigs.JobExecutionsRetryConfig;
import dev.meerkat.cloud.aws.control.JobConfigs.JobExecutionsRolloutConfig;
import dev.meerkat.cloud.aws.control.JobConfigs.PresignedUrlConfig;
import dev.meerkat.cloud.aws.control.JobConfigs.TimeoutConfig;
import java.util.List;

/**
 * The {@code job} of a DescribeJob response. {@code status} is IN_PROGRESS, CANCELED, COMPLETED,
 * DELETION_IN_PROGRESS or SCHEDULED; timestamps are epoch seconds.
 */
public record Job(
        String jobArn,
        String jobId,
        String targetSelection,
        String status,
        Boolean forceCanceled,
        String reasonCode,
        String comment,
        List<String> targets,
        String description,
        PresignedUrlConfig presignedUrlConfig,
        JobExecutionsRolloutConfig jobExecutionsRolloutConfig,
        AbortConfig abortConfig,
        Long createdAt,
        Long lastUpdatedAt,
        Long completedAt,
        JobProcessDetails jobProcessDetails,
        TimeoutConfig timeoutConfig,
        JobExecutionsRetryConfig jobExecutionsRetryConfig) {

    public Job {
        targets = targets == null ? null : List.copyOf(targets);
    }

    /** Counters of a job's executions by outcome. */
    public record JobProcessDetails(
            List<String> processingTargets,
            Integer numberOfCanceledThings,
            Integer numberOfSucceededThings,
            Integer numberOfFailedThings,
            Integer numberOfRejectedThings,
            Integer numberOfQueuedThings,
            Integer numberOfInProgressThings,
            Integer numberOfRemovedThings,
            Integer numberOfTimedOutThings) {}
}
