package dev.meerkat.fleet.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.cloud.aws.control.CancelJobRequest;
import dev.meerkat.cloud.aws.control.CreateJobRequest;
import dev.meerkat.cloud.aws.control.CreateJobResponse;
import dev.meerkat.cloud.aws.control.DescribeJobExecutionResponse;
import dev.meerkat.cloud.aws.control.DescribeJobResponse;
import dev.meerkat.cloud.aws.control.Job;
import dev.meerkat.cloud.aws.control.ListJobExecutionsForJobResponse;
import dev.meerkat.cloud.aws.jobs.JobsLimits;
import dev.meerkat.fleet.deploy.Deployment;
import dev.meerkat.fleet.deploy.DeploymentCommand;
import dev.meerkat.fleet.deploy.DeploymentRepository;
import dev.meerkat.fleet.deploy.DeploymentService;
import dev.meerkat.fleet.deploy.DeploymentState;
import dev.meerkat.fleet.deploy.Execution;
import dev.meerkat.fleet.deploy.ExecutionRepository;
import dev.meerkat.fleet.deploy.ExecutionState;
import dev.meerkat.fleet.device.DeviceRepository;
import dev.meerkat.fleet.group.Group;
import dev.meerkat.fleet.group.GroupRepository;
import dev.meerkat.fleet.refusal.Refusal;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * IoT Jobs control-plane use cases over fleet deployments. A job is created as a deployment of no
 * release whose targets (things and thing groups, resolved when the job is created: SNAPSHOT) form
 * a static group of its own, with the job's configurations as the rollout plan; the fleet rollout
 * engine then releases, times out, retries and aborts it like any other deployment.
 */
@ApplicationScoped
public class AwsJobService {

    /** Things whose executions the service changed (the Jobs broker sends their notify events). */
    public record ExecutionsChanged(List<String> things) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PRESIGN_PLACEHOLDER = "${aws:iot:s3-presigned-url:";

    @Inject Database db;

    @Inject AwsJobRepository jobs;

    @Inject DeploymentService deploymentService;

    @Inject DeploymentRepository deployments;

    @Inject ExecutionRepository executions;

    @Inject GroupRepository groups;

    @Inject DeviceRepository devices;

    @Inject AwsArns arns;

    @Inject Event<ExecutionsChanged> changed;

    public CreateJobResponse create(Caller caller, String jobId, CreateJobRequest request) {
        if (!JobsLimits.validJobId(jobId)) {
            throw IotException.invalid("jobId must be 1-64 characters of [a-zA-Z0-9_-]");
        }
        try {
            request.validate();
        } catch (IllegalArgumentException e) {
            throw IotException.invalid(e.getMessage());
        }
        if (request.documentSource() != null) {
            throw IotException.invalid(
                    "documentSource (an S3 URL) is not supported here; send the document itself");
        }
        if (request.document().contains(PRESIGN_PLACEHOLDER)) {
            throw IotException.invalid(
                    "document holds an S3 presigned-URL placeholder, which only AWS IoT can fill;"
                            + " put a URL the devices can fetch in the document");
        }
        try {
            JsonNode doc = JSON.readTree(request.document());
            if (doc == null || !doc.isObject()) {
                throw IotException.invalid("document must be a JSON object");
            }
        } catch (JsonProcessingException e) {
            throw IotException.invalid("document is not JSON: " + e.getOriginalMessage());
        }
        if ("CONTINUOUS".equals(request.targetSelection())) {
            throw IotException.invalid(
                    "targetSelection CONTINUOUS is not supported here; jobs are SNAPSHOT");
        }
        var plan = refusalsAsIot(() -> JobPlans.of(request));
        String groupName = groupOf(jobId);
        AwsJob job =
                new AwsJob(
                        jobId,
                        request.document(),
                        request.description(),
                        "SNAPSHOT",
                        write(request.targets()),
                        write(withoutDocument(request)),
                        null,
                        null,
                        false,
                        Instant.now());
        refusalsAsIot(
                () ->
                        db.tx(
                                c -> {
                                    if (deployments.find(c, jobId).isPresent()) {
                                        throw IotException.exists(
                                                "job " + jobId + " already exists",
                                                jobId,
                                                arns.of(AwsArns.Kind.JOB, jobId));
                                    }
                                    if (groups.find(c, groupName).isPresent()) {
                                        throw IotException.conflict(
                                                "group "
                                                        + groupName
                                                        + " of job "
                                                        + jobId
                                                        + " exists");
                                    }
                                    TreeSet<String> things = new TreeSet<>();
                                    for (String target : request.targets()) {
                                        things.addAll(resolve(c, target));
                                    }
                                    if (things.isEmpty()) {
                                        throw IotException.invalid(
                                                "the job's targets hold no thing");
                                    }
                                    groups.insert(
                                            c,
                                            new Group(
                                                    groupName,
                                                    Group.Kind.STATIC,
                                                    Optional.empty(),
                                                    job.createdAt()));
                                    groups.addMembers(c, groupName, things);
                                    Deployment d =
                                            deploymentService.create(
                                                    c, caller, jobId, null, groupName, plan);
                                    jobs.insert(c, job);
                                    return d;
                                }));
        return new CreateJobResponse(
                arns.of(AwsArns.Kind.JOB, jobId), jobId, request.description());
    }

    public DescribeJobResponse describe(String jobId) {
        return db.tx(
                c -> {
                    AwsJob job = require(c, jobId);
                    Deployment d = deployments.find(c, jobId).orElseThrow();
                    Map<ExecutionState, Integer> totals = new EnumMap<>(ExecutionState.class);
                    for (Map<ExecutionState, Integer> m : executions.counts(c, jobId).values()) {
                        m.forEach((s, n) -> totals.merge(s, n, Integer::sum));
                    }
                    CreateJobRequest asked = read(job.request(), CreateJobRequest.class);
                    boolean canceled =
                            d.state() == DeploymentState.CANCELED
                                    || d.state() == DeploymentState.ABORTED;
                    Job out =
                            new Job(
                                    arns.of(AwsArns.Kind.JOB, jobId),
                                    jobId,
                                    job.targetSelection(),
                                    status(d.state()),
                                    canceled ? job.forceCanceled() : null,
                                    job.reasonCode(),
                                    job.comment() != null ? job.comment() : d.stateReason(),
                                    asked.targets(),
                                    job.description(),
                                    asked.presignedUrlConfig(),
                                    asked.jobExecutionsRolloutConfig(),
                                    asked.abortConfig(),
                                    job.createdAt().getEpochSecond(),
                                    Instant.now().getEpochSecond(),
                                    d.state().isFinal() ? Instant.now().getEpochSecond() : null,
                                    new Job.JobProcessDetails(
                                            null,
                                            totals.getOrDefault(ExecutionState.CANCELED, 0),
                                            totals.getOrDefault(ExecutionState.SUCCEEDED, 0),
                                            totals.getOrDefault(ExecutionState.FAILED, 0),
                                            totals.getOrDefault(ExecutionState.REJECTED, 0),
                                            totals.getOrDefault(ExecutionState.QUEUED, 0),
                                            totals.getOrDefault(ExecutionState.IN_PROGRESS, 0),
                                            totals.getOrDefault(ExecutionState.REMOVED, 0),
                                            totals.getOrDefault(ExecutionState.TIMED_OUT, 0)),
                                    asked.timeoutConfig(),
                                    asked.jobExecutionsRetryConfig());
                    return new DescribeJobResponse(null, out);
                });
    }

    /**
     * CancelJob: queued executions are canceled; with {@code force}, executions in progress too
     * (the device learns it from its next update, which is refused as TerminalStateReached).
     */
    public CreateJobResponse cancel(
            Caller caller, String jobId, boolean force, CancelJobRequest request) {
        String reason = request == null ? null : request.reasonCode();
        String comment = request == null ? null : request.comment();
        if (reason != null
                && (reason.length() > 128 || !reason.matches("[\\p{Upper}\\p{Digit}_]+"))) {
            throw IotException.invalid("reasonCode must be up to 128 of [A-Z0-9_]");
        }
        if (comment != null && comment.length() > 2028) {
            throw IotException.invalid("comment is longer than 2028 characters");
        }
        AwsJob job = db.tx(c -> require(c, jobId));
        refusalsAsIot(() -> deploymentService.command(caller, jobId, DeploymentCommand.CANCEL));
        List<String> things =
                db.tx(
                        c -> {
                            if (force) {
                                executions.transitionAll(
                                        c,
                                        jobId,
                                        ExecutionState.IN_PROGRESS,
                                        ExecutionState.CANCELED,
                                        "job force-canceled",
                                        Instant.now());
                            }
                            jobs.canceled(c, jobId, reason, comment, force);
                            return jobs.thingsOf(c, jobId);
                        });
        changed.fire(new ExecutionsChanged(things));
        return new CreateJobResponse(arns.of(AwsArns.Kind.JOB, jobId), jobId, job.description());
    }

    public ListJobExecutionsForJobResponse executions(
            String jobId, String status, Integer maxResults, String nextToken) {
        int limit = maxResults == null ? 100 : maxResults;
        if (limit < 1 || limit > 250) throw IotException.invalid("maxResults must be 1..250");
        ExecutionState wanted = null;
        if (status != null) {
            try {
                wanted = ExecutionState.valueOf(status);
            } catch (IllegalArgumentException e) {
                throw IotException.invalid("status " + status + " is not a job execution status");
            }
        }
        String after = nextToken == null ? null : token(nextToken);
        ExecutionState filter = wanted;
        return db.tx(
                c -> {
                    require(c, jobId);
                    List<Execution> page = executions.page(c, jobId, after, limit);
                    List<ListJobExecutionsForJobResponse.Entry> out = new ArrayList<>();
                    for (Execution e : page) {
                        if (filter != null && e.state() != filter) continue;
                        out.add(
                                new ListJobExecutionsForJobResponse.Entry(
                                        arns.of(AwsArns.Kind.THING, e.deviceId()),
                                        new ListJobExecutionsForJobResponse.Summary(
                                                e.state().name(),
                                                seconds(e.releasedAt()),
                                                seconds(e.startedAt()),
                                                seconds(e.updatedAt()),
                                                (long) e.attempt() + 1,
                                                e.attempt())));
                    }
                    String next =
                            page.size() < limit
                                    ? null
                                    : java.util.Base64.getUrlEncoder()
                                            .withoutPadding()
                                            .encodeToString(
                                                    page.get(page.size() - 1)
                                                            .deviceId()
                                                            .getBytes(StandardCharsets.UTF_8));
                    return new ListJobExecutionsForJobResponse(out, next);
                });
    }

    public DescribeJobExecutionResponse execution(
            String thingName, String jobId, Long executionNumber) {
        return db.tx(
                c -> {
                    require(c, jobId);
                    Execution e =
                            executions
                                    .lock(c, jobId, thingName)
                                    .filter(
                                            x ->
                                                    executionNumber == null
                                                            || executionNumber == x.attempt() + 1)
                                    .orElseThrow(
                                            () ->
                                                    IotException.notFound(
                                                            "no execution of job "
                                                                    + jobId
                                                                    + " on thing "
                                                                    + thingName));
                    Deployment d = deployments.find(c, jobId).orElseThrow();
                    var view = JobExecutionView.of(e, null, d.plan(), Instant.now());
                    return new DescribeJobExecutionResponse(
                            new DescribeJobExecutionResponse.Execution(
                                    jobId,
                                    e.state().name(),
                                    job(c, jobId).forceCanceled()
                                            && e.state() == ExecutionState.CANCELED,
                                    new DescribeJobExecutionResponse.StatusDetails(
                                            JobExecutionView.details(e)),
                                    arns.of(AwsArns.Kind.THING, thingName),
                                    view.queuedAt(),
                                    view.startedAt(),
                                    view.lastUpdatedAt(),
                                    view.executionNumber(),
                                    view.versionNumber(),
                                    view.approximateSecondsBeforeTimedOut()));
                });
    }

    /** The static group holding a job's things: "job." + id, hashed when that is too long. */
    static String groupOf(String jobId) {
        String name = "job." + jobId;
        if (name.length() <= 64) return name;
        try {
            byte[] h =
                    MessageDigest.getInstance("SHA-256")
                            .digest(jobId.getBytes(StandardCharsets.UTF_8));
            return "job." + jobId.substring(0, 40) + "." + HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String status(DeploymentState s) {
        return switch (s) {
            case RUNNING, WAITING, PAUSED -> "IN_PROGRESS";
            case COMPLETED -> "COMPLETED";
            case ABORTED, CANCELED -> "CANCELED";
        };
    }

    private List<String> resolve(java.sql.Connection c, String target)
            throws java.sql.SQLException {
        AwsArns.Ref ref =
                arns.parse(target)
                        .orElseThrow(
                                () ->
                                        IotException.invalid(
                                                "target "
                                                        + target
                                                        + " is not a thing or thing-group ARN of"
                                                        + " this endpoint's region and account"));
        return switch (ref.kind()) {
            case THING -> {
                if (devices.find(c, ref.name()).isEmpty()) {
                    throw IotException.notFound("thing " + ref.name() + " does not exist");
                }
                yield List.of(ref.name());
            }
            case THING_GROUP -> {
                if (groups.find(c, ref.name()).isEmpty()) {
                    throw IotException.notFound("thing group " + ref.name() + " does not exist");
                }
                yield groups.members(c, ref.name());
            }
            default -> throw IotException.invalid("target " + target + " is not a thing or group");
        };
    }

    private AwsJob require(java.sql.Connection c, String jobId) throws java.sql.SQLException {
        return jobs.find(c, jobId)
                .orElseThrow(() -> IotException.notFound("job " + jobId + " does not exist"));
    }

    private AwsJob job(java.sql.Connection c, String jobId) throws java.sql.SQLException {
        return require(c, jobId);
    }

    private static CreateJobRequest withoutDocument(CreateJobRequest r) {
        return new CreateJobRequest(
                r.targets(),
                null,
                null,
                null,
                r.presignedUrlConfig(),
                r.targetSelection(),
                r.jobExecutionsRolloutConfig(),
                r.abortConfig(),
                r.timeoutConfig(),
                r.jobExecutionsRetryConfig(),
                r.tags(),
                r.documentParameters());
    }

    private static String token(String nextToken) {
        try {
            return new String(
                    java.util.Base64.getUrlDecoder().decode(nextToken), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw IotException.invalid("nextToken is not one this service gave out");
        }
    }

    private static Long seconds(Instant t) {
        return t == null ? null : t.getEpochSecond();
    }

    private static String write(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T read(String s, Class<T> type) {
        try {
            return JSON.readValue(s, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fleet refusals raised inside (plan validation, command on a finished job) in AWS's terms. */
    static <T> T refusalsAsIot(java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (Refusal r) {
            throw switch (r.kind()) {
                case NOT_FOUND -> IotException.notFound(r.getMessage());
                case CONFLICT -> IotException.invalid(r.getMessage());
                default -> IotException.invalid(r.getMessage());
            };
        }
    }
}
