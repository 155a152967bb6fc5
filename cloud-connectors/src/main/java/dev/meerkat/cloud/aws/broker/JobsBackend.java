package dev.meerkat.cloud.aws.broker;

import dev.meerkat.cloud.aws.jobs.JobExecution;
import dev.meerkat.cloud.aws.jobs.StartNextPendingJobExecutionRequest;
import dev.meerkat.cloud.aws.jobs.UpdateJobExecutionRequest;
import java.util.List;
import java.util.Optional;

/**
 * Where job executions live (fleet-service deployments in production, a map in tests). The engine
 * trusts the thing name it passes: the broker's ACL lets a thing publish only under its own topics.
 * Implementations apply {@link dev.meerkat.cloud.aws.jobs.ExecutionUpdates} and store the result
 * with a compare-and-set on the version, throwing {@link
 * dev.meerkat.cloud.aws.jobs.JobsProtocolException} for refusals.
 */
public interface JobsBackend {

    /**
     * Non-terminal executions of the thing: IN_PROGRESS first, then QUEUED, each by queue time. The
     * first one is "next".
     */
    List<JobExecution> pending(String thingName);

    /** One execution; the latest execution number when {@code executionNumber} is null. */
    Optional<JobExecution> execution(String thingName, String jobId, Long executionNumber);

    /**
     * Starts the first pending execution (ExecutionUpdates.startNext) and stores it; empty if none.
     */
    Optional<JobExecution> startNext(String thingName, StartNextPendingJobExecutionRequest request);

    /**
     * Applies ExecutionUpdates.update under a version check and stores it; returns the new
     * execution.
     */
    JobExecution update(String thingName, String jobId, UpdateJobExecutionRequest request);
}
