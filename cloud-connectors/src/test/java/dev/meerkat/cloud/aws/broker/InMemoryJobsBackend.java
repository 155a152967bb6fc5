package dev.meerkat.cloud.aws.broker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cloud.aws.jobs.ExecutionUpdates;
import dev.meerkat.cloud.aws.jobs.JobExecution;
import dev.meerkat.cloud.aws.jobs.JobExecutionStatus;
import dev.meerkat.cloud.aws.jobs.JobsProtocolException;
import dev.meerkat.cloud.aws.jobs.RejectedErrorCode;
import dev.meerkat.cloud.aws.jobs.StartNextPendingJobExecutionRequest;
import dev.meerkat.cloud.aws.jobs.UpdateJobExecutionRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The simplest JobsBackend: executions in a map, one lock; what fleet-service does with its tables.
 */
final class InMemoryJobsBackend implements JobsBackend {

    private final Clock clock;
    private final Map<String, List<JobExecution>> byThing = new HashMap<>();

    InMemoryJobsBackend(Clock clock) {
        this.clock = clock;
    }

    synchronized JobExecution queue(String thing, String jobId, JsonNode document) {
        JobExecution e = ExecutionUpdates.queued(jobId, thing, document, 1, now());
        byThing.computeIfAbsent(thing, t -> new ArrayList<>()).add(e);
        return e;
    }

    @Override
    public synchronized List<JobExecution> pending(String thingName) {
        return byThing.getOrDefault(thingName, List.of()).stream()
                .filter(e -> !e.status().terminal())
                .sorted(
                        Comparator.comparing(
                                        (JobExecution e) ->
                                                e.status() != JobExecutionStatus.IN_PROGRESS)
                                .thenComparing(JobExecution::queuedAt))
                .toList();
    }

    @Override
    public synchronized Optional<JobExecution> execution(
            String thingName, String jobId, Long executionNumber) {
        return byThing.getOrDefault(thingName, List.of()).stream()
                .filter(e -> e.jobId().equals(jobId))
                .filter(e -> executionNumber == null || e.executionNumber().equals(executionNumber))
                .max(Comparator.comparing(JobExecution::executionNumber));
    }

    @Override
    public synchronized Optional<JobExecution> startNext(
            String thingName, StartNextPendingJobExecutionRequest request) {
        return pending(thingName).stream()
                .findFirst()
                .map(next -> store(ExecutionUpdates.startNext(next, request, now())));
    }

    @Override
    public synchronized JobExecution update(
            String thingName, String jobId, UpdateJobExecutionRequest request) {
        JobExecution current =
                execution(thingName, jobId, request.executionNumber())
                        .orElseThrow(
                                () ->
                                        new JobsProtocolException(
                                                RejectedErrorCode.ResourceNotFound,
                                                "no job " + jobId + " for " + thingName));
        return store(ExecutionUpdates.update(current, request, now()));
    }

    private JobExecution store(JobExecution e) {
        List<JobExecution> list = byThing.get(e.thingName());
        list.replaceAll(
                old ->
                        old.jobId().equals(e.jobId())
                                        && old.executionNumber().equals(e.executionNumber())
                                ? e
                                : old);
        return e;
    }

    private long now() {
        return clock.instant().getEpochSecond();
    }
}
