package dev.meerkat.fleet.aws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cloud.aws.broker.JobsBackend;
import dev.meerkat.cloud.aws.jobs.ExecutionUpdates;
import dev.meerkat.cloud.aws.jobs.JobExecution;
import dev.meerkat.cloud.aws.jobs.JobExecutionStatus;
import dev.meerkat.cloud.aws.jobs.JobsJson;
import dev.meerkat.cloud.aws.jobs.JobsProtocolException;
import dev.meerkat.cloud.aws.jobs.RejectedErrorCode;
import dev.meerkat.cloud.aws.jobs.StartNextPendingJobExecutionRequest;
import dev.meerkat.cloud.aws.jobs.UpdateJobExecutionRequest;
import dev.meerkat.fleet.deploy.DeploymentRepository;
import dev.meerkat.fleet.deploy.DeviceReport;
import dev.meerkat.fleet.deploy.Execution;
import dev.meerkat.fleet.deploy.ExecutionRepository;
import dev.meerkat.fleet.deploy.ExecutionService;
import dev.meerkat.fleet.refusal.Refusal;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Jobs MQTT API over the fleet's own executions: a job is a deployment, a thing's job execution
 * is its execution of that deployment. AWS's rules are checked first with {@link ExecutionUpdates}
 * (so refusals carry AWS's codes), then the change goes through {@link ExecutionService#report},
 * the same use case every other device protocol uses: compare-and-set on the version, retries, the
 * audit entry in the same transaction, and the rollout engine sees the outcome for its abort
 * criteria.
 */
@ApplicationScoped
public class FleetJobsBackend implements JobsBackend {

    @Inject Database db;

    @Inject AwsJobRepository jobs;

    @Inject ExecutionRepository executions;

    @Inject DeploymentRepository deployments;

    @Inject ExecutionService service;

    @Override
    public List<JobExecution> pending(String thingName) {
        return db.tx(
                c -> {
                    Instant now = Instant.now();
                    List<JobExecution> out = new ArrayList<>();
                    for (String jobId : jobs.pendingJobIds(c, thingName, now)) {
                        view(c, jobId, thingName, now).ifPresent(out::add);
                    }
                    return out;
                });
    }

    @Override
    public Optional<JobExecution> execution(String thingName, String jobId, Long executionNumber) {
        return db.tx(c -> view(c, jobId, thingName, Instant.now()))
                .filter(
                        e ->
                                executionNumber == null
                                        || executionNumber.equals(e.executionNumber()));
    }

    @Override
    public Optional<JobExecution> startNext(
            String thingName, StartNextPendingJobExecutionRequest request) {
        List<JobExecution> pending = pending(thingName);
        if (pending.isEmpty()) return Optional.empty();
        JobExecution next = pending.get(0);
        JobExecution started =
                ExecutionUpdates.startNext(next, request, Instant.now().getEpochSecond());
        if (next.status() == JobExecutionStatus.IN_PROGRESS) return Optional.of(next);
        store(thingName, next, JobExecutionStatus.IN_PROGRESS, request.statusDetails());
        return Optional.of(execution(thingName, next.jobId(), null).orElse(started));
    }

    @Override
    public JobExecution update(String thingName, String jobId, UpdateJobExecutionRequest request) {
        JobExecution current =
                execution(thingName, jobId, null)
                        .orElseThrow(
                                () ->
                                        new JobsProtocolException(
                                                RejectedErrorCode.ResourceNotFound,
                                                "no job execution " + jobId + " for " + thingName));
        JobExecution updated =
                ExecutionUpdates.update(current, request, Instant.now().getEpochSecond());
        store(thingName, current, request.status(), request.statusDetails());
        // what the device asked for; a retry the service queued shows as a new execution number
        return updated;
    }

    private void store(
            String thingName,
            JobExecution current,
            JobExecutionStatus status,
            Map<String, String> details) {
        String stored = JobExecutionView.stored(details);
        if (stored != null && stored.length() > DeviceReport.MAX_DETAILS) {
            throw new JobsProtocolException(
                    RejectedErrorCode.InvalidRequest,
                    "statusDetails take "
                            + stored.length()
                            + " characters as JSON; this service stores at most "
                            + DeviceReport.MAX_DETAILS);
        }
        String reason = details == null ? null : details.get(JobExecutionView.ROLLBACK_REASON);
        if (reason != null && reason.length() > DeviceReport.MAX_REASON) {
            reason = reason.substring(0, DeviceReport.MAX_REASON);
        }
        try {
            service.report(
                    Caller.device(thingName),
                    thingName,
                    current.jobId(),
                    new DeviceReport(status.name(), current.versionNumber(), stored, reason));
        } catch (Refusal r) {
            throw new JobsProtocolException(code(r), r.getMessage(), current.state());
        }
    }

    /** The fleet's refusals in AWS's words (they only happen when a concurrent change won). */
    static RejectedErrorCode code(Refusal r) {
        return switch (r.kind()) {
            case NOT_FOUND -> RejectedErrorCode.ResourceNotFound;
            case INVALID, TOO_LARGE, UNPROCESSABLE -> RejectedErrorCode.InvalidRequest;
            case CONFLICT ->
                    switch (r.title()) {
                        case "Terminal state reached" -> RejectedErrorCode.TerminalStateReached;
                        case "Invalid transition" -> RejectedErrorCode.InvalidStateTransition;
                        default -> RejectedErrorCode.VersionMismatch;
                    };
            default -> RejectedErrorCode.InternalError;
        };
    }

    private Optional<JobExecution> view(Connection c, String jobId, String thingName, Instant now)
            throws SQLException {
        Optional<AwsJob> job = jobs.find(c, jobId);
        if (job.isEmpty()) return Optional.empty();
        Optional<Execution> e =
                executions.lock(c, jobId, thingName).filter(x -> x.releasedAt() != null);
        if (e.isEmpty()) return Optional.empty();
        JsonNode document;
        try {
            document = JobsJson.mapper().readTree(job.get().document());
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException("stored document of job " + jobId + " is not JSON");
        }
        return Optional.of(
                JobExecutionView.of(
                        e.get(), document, deployments.find(c, jobId).orElseThrow().plan(), now));
    }
}
