package dev.meerkat.cloud.aws.broker;

import dev.meerkat.cloud.aws.jobs.DescribeJobExecutionRequest;
import dev.meerkat.cloud.aws.jobs.DescribeJobExecutionResponse;
import dev.meerkat.cloud.aws.jobs.GetPendingJobExecutionsRequest;
import dev.meerkat.cloud.aws.jobs.GetPendingJobExecutionsResponse;
import dev.meerkat.cloud.aws.jobs.JobExecution;
import dev.meerkat.cloud.aws.jobs.JobExecutionStatus;
import dev.meerkat.cloud.aws.jobs.JobExecutionSummary;
import dev.meerkat.cloud.aws.jobs.JobExecutionsChangedEvent;
import dev.meerkat.cloud.aws.jobs.JobsJson;
import dev.meerkat.cloud.aws.jobs.JobsLimits;
import dev.meerkat.cloud.aws.jobs.JobsProtocolException;
import dev.meerkat.cloud.aws.jobs.JobsTopic;
import dev.meerkat.cloud.aws.jobs.NextJobExecutionChangedEvent;
import dev.meerkat.cloud.aws.jobs.RejectedErrorCode;
import dev.meerkat.cloud.aws.jobs.RejectedErrorResponse;
import dev.meerkat.cloud.aws.jobs.StartNextJobExecutionResponse;
import dev.meerkat.cloud.aws.jobs.StartNextPendingJobExecutionRequest;
import dev.meerkat.cloud.aws.jobs.UpdateJobExecutionRequest;
import dev.meerkat.cloud.aws.jobs.UpdateJobExecutionResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The Jobs MQTT API as a function from (topic, payload) to messages to publish; no MQTT client in
 * here, so the same engine runs behind Paho, an embedded broker or a test. Calls for one thing must
 * be serialised by the caller (MqttJobsService keeps per-thing order); different things may run in
 * parallel.
 *
 * <p>notify and notify-next follow AWS: notify when an execution joins or leaves the thing's
 * pending list, notify-next when the first pending execution becomes a different one (an empty
 * event when none is left). The engine remembers what it last announced per thing; after a restart
 * a thing may get one redundant event, which the protocol tolerates (devices key on jobId).
 */
public final class JobsProtocolEngine {

    private static final Logger LOG = Logger.getLogger(JobsProtocolEngine.class.getName());

    private final JobsBackend backend;
    private final Clock clock;
    private final Map<String, Set<String>> announcedPending = new ConcurrentHashMap<>();
    private final Map<String, String> announcedNext = new ConcurrentHashMap<>();

    public JobsProtocolEngine(JobsBackend backend, Clock clock) {
        this.backend = backend;
        this.clock = clock;
    }

    /**
     * Handles one message from a device. Topics that are not device requests (for instance our own
     * answers echoed by a wide subscription) give no messages.
     */
    public List<OutgoingMessage> onMessage(String topic, byte[] payload) {
        Optional<JobsTopic> parsed = JobsTopic.parse(topic);
        if (parsed.isEmpty() || !(parsed.get() instanceof JobsTopic.Request request)) {
            return List.of();
        }
        List<OutgoingMessage> out = new ArrayList<>();
        String clientToken = JobsJson.clientTokenOf(payload);
        try {
            out.add(
                    new OutgoingMessage(
                            request.accepted().topic(), JobsJson.write(answer(request, payload))));
        } catch (JobsProtocolException e) {
            out.add(rejection(request, clientToken, e.code(), e.getMessage(), e));
        } catch (RuntimeException e) {
            // the device learns only that it failed; details stay in the service log
            LOG.log(Level.WARNING, "jobs request on " + topic + " failed", e);
            out.add(
                    rejection(
                            request,
                            clientToken,
                            RejectedErrorCode.InternalError,
                            "internal error",
                            null));
        }
        if (request.operation() == dev.meerkat.cloud.aws.jobs.JobsOperation.START_NEXT
                || request.operation() == dev.meerkat.cloud.aws.jobs.JobsOperation.UPDATE) {
            out.addAll(onExecutionsChanged(request.thingName()));
        }
        return out;
    }

    /**
     * To be called whenever the service changes a thing's executions by itself (job created,
     * canceled, timed out, retried): returns the notify / notify-next events now due for that
     * thing.
     */
    public List<OutgoingMessage> onExecutionsChanged(String thingName) {
        if (!JobsLimits.validThingName(thingName)) {
            throw new IllegalArgumentException("invalid thing name: " + thingName);
        }
        List<JobExecution> pending = backend.pending(thingName);
        long now = now();
        List<OutgoingMessage> out = new ArrayList<>();
        Set<String> keys = new LinkedHashSet<>();
        pending.forEach(e -> keys.add(key(e)));
        Set<String> before = announcedPending.put(thingName, keys);
        if (before == null || !before.equals(keys)) {
            out.add(
                    new OutgoingMessage(
                            new JobsTopic.Notify(thingName).topic(),
                            JobsJson.write(new JobExecutionsChangedEvent(byStatus(pending), now))));
        }
        String next = pending.isEmpty() ? "" : key(pending.get(0));
        String previous = announcedNext.put(thingName, next);
        if (previous == null ? !next.isEmpty() : !previous.equals(next)) {
            out.add(
                    new OutgoingMessage(
                            new JobsTopic.NotifyNext(thingName).topic(),
                            JobsJson.write(
                                    new NextJobExecutionChangedEvent(
                                            pending.isEmpty() ? null : pending.get(0), now))));
        }
        return out;
    }

    private Object answer(JobsTopic.Request request, byte[] payload) {
        String thing = request.thingName();
        return switch (request.operation()) {
            case GET_PENDING -> {
                GetPendingJobExecutionsRequest r =
                        JobsJson.read(payload, GetPendingJobExecutionsRequest.class);
                JobsLimits.checkRequest(r.clientToken(), null, null);
                List<JobExecution> pending = backend.pending(thing);
                yield new GetPendingJobExecutionsResponse(
                        summaries(pending, JobExecutionStatus.IN_PROGRESS),
                        summaries(pending, JobExecutionStatus.QUEUED),
                        now(),
                        r.clientToken());
            }
            case START_NEXT -> {
                StartNextPendingJobExecutionRequest r =
                        JobsJson.read(payload, StartNextPendingJobExecutionRequest.class);
                JobsLimits.checkRequest(
                        r.clientToken(), r.statusDetails(), r.stepTimeoutInMinutes());
                yield new StartNextJobExecutionResponse(
                        backend.startNext(thing, r).orElse(null), now(), r.clientToken());
            }
            case DESCRIBE -> {
                DescribeJobExecutionRequest r =
                        JobsJson.read(payload, DescribeJobExecutionRequest.class);
                JobsLimits.checkRequest(r.clientToken(), null, null);
                if (JobsTopic.NEXT.equals(request.jobId())) {
                    // "$next" with nothing pending is not an error: accepted without an execution
                    // (what OTA
                    // agents asking $next/get at start-up expect)
                    JobExecution next = backend.pending(thing).stream().findFirst().orElse(null);
                    yield new DescribeJobExecutionResponse(
                            next == null || r.wantsDocument() ? next : next.withoutDocument(),
                            now(),
                            r.clientToken());
                }
                JobExecution execution =
                        backend.execution(thing, request.jobId(), r.executionNumber())
                                .orElseThrow(
                                        () ->
                                                new JobsProtocolException(
                                                        RejectedErrorCode.ResourceNotFound,
                                                        "no job execution "
                                                                + request.jobId()
                                                                + " for "
                                                                + thing));
                yield new DescribeJobExecutionResponse(
                        r.wantsDocument() ? execution : execution.withoutDocument(),
                        now(),
                        r.clientToken());
            }
            case UPDATE -> {
                UpdateJobExecutionRequest r =
                        JobsJson.read(payload, UpdateJobExecutionRequest.class);
                JobsLimits.checkRequest(
                        r.clientToken(), r.statusDetails(), r.stepTimeoutInMinutes());
                JobExecution updated = backend.update(thing, request.jobId(), r);
                yield new UpdateJobExecutionResponse(
                        Boolean.TRUE.equals(r.includeJobExecutionState()) ? updated.state() : null,
                        Boolean.TRUE.equals(r.includeJobDocument()) ? updated.jobDocument() : null,
                        now(),
                        r.clientToken());
            }
        };
    }

    private OutgoingMessage rejection(
            JobsTopic.Request request,
            String clientToken,
            RejectedErrorCode code,
            String message,
            JobsProtocolException e) {
        RejectedErrorResponse body =
                new RejectedErrorResponse(
                        code, message, now(), clientToken, e == null ? null : e.executionState());
        return new OutgoingMessage(request.rejected().topic(), JobsJson.write(body));
    }

    private static Map<JobExecutionStatus, List<JobExecutionSummary>> byStatus(
            List<JobExecution> pending) {
        Map<JobExecutionStatus, List<JobExecutionSummary>> jobs =
                new EnumMap<>(JobExecutionStatus.class);
        int room = JobExecutionsChangedEvent.MAX_ENTRIES;
        for (JobExecutionStatus status :
                List.of(JobExecutionStatus.IN_PROGRESS, JobExecutionStatus.QUEUED)) {
            List<JobExecutionSummary> list = summaries(pending, status);
            list = list.subList(0, Math.min(room, list.size()));
            room -= list.size();
            if (!list.isEmpty()) {
                jobs.put(status, list);
            }
        }
        return jobs;
    }

    private static List<JobExecutionSummary> summaries(
            List<JobExecution> pending, JobExecutionStatus status) {
        return pending.stream()
                .filter(e -> e.status() == status)
                .map(JobExecution::summary)
                .toList();
    }

    private static String key(JobExecution e) {
        return e.jobId() + "#" + e.executionNumber();
    }

    private long now() {
        return clock.instant().getEpochSecond();
    }
}
