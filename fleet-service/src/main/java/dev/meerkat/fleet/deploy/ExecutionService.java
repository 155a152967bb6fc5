package dev.meerkat.fleet.deploy;

import dev.meerkat.fleet.audit.AuditLog;
import dev.meerkat.fleet.device.DeviceRepository;
import dev.meerkat.fleet.refusal.Refusal;
import dev.meerkat.fleet.release.Release;
import dev.meerkat.fleet.release.ReleaseRepository;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The device side of executions, whatever the protocol: "what should I do" and "here is how it
 * went".
 */
@ApplicationScoped
public class ExecutionService {

    /** Work offered to a device: its execution and the release to install. */
    public record Work(Execution execution, Release release) {}

    @Inject Database db;

    @Inject ExecutionRepository executions;

    @Inject DeploymentRepository deployments;

    @Inject ReleaseRepository releases;

    @Inject DeviceRepository devices;

    @Inject AuditLog audit;

    /**
     * Records that the device was seen (with the version it runs, if it said) and returns its next
     * execution, if any. Only executions the rollout released are ever offered.
     */
    public Optional<Work> next(
            String deviceId, String runningVersion, String slotState, String protocol) {
        return db.tx(
                c -> {
                    Instant now = Instant.now();
                    devices.updateReport(c, deviceId, runningVersion, slotState, protocol, now);
                    Optional<Execution> e = executions.nextForDevice(c, deviceId, now);
                    if (e.isEmpty()) return Optional.empty();
                    Release r =
                            releases.find(
                                            c,
                                            deployments
                                                    .find(c, e.get().deploymentId())
                                                    .orElseThrow()
                                                    .releaseId())
                                    .orElseThrow();
                    return Optional.of(new Work(e.get(), r));
                });
    }

    public Optional<Work> work(String deviceId, String deploymentId) {
        return db.tx(
                c -> {
                    Optional<Execution> e = visible(c, deploymentId, deviceId);
                    if (e.isEmpty()) return Optional.empty();
                    return releaseOf(c, deploymentId).map(r -> new Work(e.get(), r));
                });
    }

    /**
     * The released work of one deployment for many devices at once, only those reached over {@code
     * protocol} (what a push protocol sends right after a release).
     */
    public List<Work> releasedWork(String deploymentId, List<String> deviceIds, String protocol) {
        return db.tx(
                c -> {
                    // a deployment without a release (an AWS IoT job) has nothing to push
                    Optional<Release> r = releaseOf(c, deploymentId);
                    if (r.isEmpty()) return List.<Work>of();
                    if (db.isPostgres()) {
                        // Plans made for these values: a generic plan of the 500-id reads, made
                        // while the new deployment's rows had no statistics yet, read all of its
                        // executions and compared each with every id (300-400 ms per read under
                        // load); planned for the values, the ids are looked up by hash or index.
                        try (java.sql.Statement st = c.createStatement()) {
                            st.execute("SET LOCAL plan_cache_mode = force_custom_plan");
                        }
                    }
                    List<Work> out = new ArrayList<>();
                    for (Execution e : executions.released(c, deploymentId, deviceIds, protocol)) {
                        out.add(new Work(e, r.get()));
                    }
                    return out;
                });
    }

    /** The device's execution with this action id (hawkBit DDI), if it was released to it. */
    public Optional<Work> workByAction(String deviceId, long actionId) {
        return db.tx(
                c -> {
                    Optional<Execution> e =
                            executions
                                    .byActionId(c, actionId)
                                    .filter(
                                            x ->
                                                    x.deviceId().equals(deviceId)
                                                            && x.releasedAt() != null);
                    if (e.isEmpty()) return Optional.empty();
                    return releaseOf(c, e.get().deploymentId()).map(r -> new Work(e.get(), r));
                });
    }

    /**
     * The release a deployment installs; empty for a deployment without one (an AWS IoT job, whose
     * document reaches things only through the Jobs API).
     */
    private Optional<Release> releaseOf(Connection c, String deploymentId) throws SQLException {
        String releaseId = deployments.find(c, deploymentId).orElseThrow().releaseId();
        return releaseId == null
                ? Optional.empty()
                : Optional.of(releases.find(c, releaseId).orElseThrow());
    }

    /** The execution of {@code actionId}, whoever it belongs to. */
    public Optional<Execution> byAction(long actionId) {
        return db.tx(c -> executions.byActionId(c, actionId));
    }

    /**
     * Released executions over {@code protocol} nobody acknowledged for {@code after}; marks them
     * as told again.
     */
    public java.util.List<Work> resendable(String protocol, java.time.Duration after, int limit) {
        return db.tx(
                c -> {
                    Instant now = Instant.now();
                    java.util.List<Work> out = new java.util.ArrayList<>();
                    for (Execution e :
                            executions.unacknowledged(c, protocol, now.minus(after), now, limit)) {
                        executions.touch(c, e, now);
                        Release r =
                                releases.find(
                                                c,
                                                deployments
                                                        .find(c, e.deploymentId())
                                                        .orElseThrow()
                                                        .releaseId())
                                        .orElseThrow();
                        out.add(new Work(e, r));
                    }
                    return out;
                });
    }

    /**
     * Started executions over {@code protocol} nothing was heard of for {@code after}, to ask their
     * devices how the update went; marks them as asked (so the next sweep waits).
     */
    public java.util.List<Work> silent(String protocol, java.time.Duration after, int limit) {
        return db.tx(
                c -> {
                    Instant now = Instant.now();
                    java.util.List<Work> out = new java.util.ArrayList<>();
                    for (Execution e : executions.silent(c, protocol, now.minus(after), limit)) {
                        executions.touch(c, e, now);
                        releaseOf(c, e.deploymentId()).ifPresent(r -> out.add(new Work(e, r)));
                    }
                    return out;
                });
    }

    /** Records that the device said its update is still running (no state change). */
    public void heard(Execution e) {
        db.tx(
                c -> {
                    executions.touch(c, e, Instant.now());
                    return null;
                });
    }

    /**
     * Applies a device's report; refuses a stale version, a final execution and moves the table
     * lacks.
     */
    public Execution report(
            Caller caller, String deviceId, String deploymentId, DeviceReport report) {
        report.bounded()
                .event(); // a status no device may report is refused (400) before anything else
        return db.tx(
                c -> {
                    Execution e =
                            executions
                                    .lock(c, deploymentId, deviceId)
                                    .filter(x -> x.releasedAt() != null)
                                    .orElseThrow(
                                            () ->
                                                    Refusal.notFound(
                                                            "Execution",
                                                            "device "
                                                                    + deviceId
                                                                    + " has no execution in deployment "
                                                                    + deploymentId));
                    if (report.expectedVersion() != null
                            && report.expectedVersion() != e.versionNumber()) {
                        throw Refusal.conflict(
                                "Version mismatch",
                                "execution is at version "
                                        + e.versionNumber()
                                        + " ("
                                        + e.state()
                                        + "), the report expected "
                                        + report.expectedVersion());
                    }
                    if (e.state().isFinal()) {
                        throw Refusal.conflict(
                                "Terminal state reached",
                                "execution is " + e.state() + " and accepts no further report");
                    }
                    RolloutPlan plan = deployments.find(c, deploymentId).orElseThrow().plan();
                    Instant now = Instant.now();
                    Decision d = decide(e, plan, report, now);
                    if (!executions.transition(c, e, d.to(), d.change(), now)) {
                        throw Refusal.conflict(
                                "Version mismatch",
                                "execution changed concurrently; fetch it and retry");
                    }
                    AuditLog.Pending a = d.audit(caller, e, report);
                    audit.record(c, a.caller(), a.action(), a.subject(), a.detail());
                    return executions.lock(c, deploymentId, deviceId).orElseThrow();
                });
    }

    /** Where a report takes an execution, and what else changes with it. */
    record Decision(
            ExecutionEvent effective, ExecutionState to, ExecutionRepository.Change change) {
        AuditLog.Pending audit(Caller caller, Execution e, DeviceReport report) {
            return new AuditLog.Pending(
                    caller,
                    "execution." + to.name().toLowerCase(java.util.Locale.ROOT),
                    e.deploymentId() + "/" + e.deviceId(),
                    "from="
                            + e.state()
                            + " version="
                            + (e.versionNumber() + 1)
                            + (effective == ExecutionEvent.RETRY
                                    ? " retry=" + change.attempt()
                                    : "")
                            + (report.rollbackReason() == null
                                    ? ""
                                    : " rollback=" + report.rollbackReason()));
        }
    }

    /** The transition a report asks for (retries applied), or a refusal when the table lacks it. */
    static Decision decide(Execution e, RolloutPlan plan, DeviceReport report, Instant now) {
        ExecutionEvent event = report.bounded().event();
        ExecutionEvent effective = event;
        if (event == ExecutionEvent.FAIL
                && e.state() == ExecutionState.IN_PROGRESS
                && plan.retry() != null
                && plan.retry().applies(event, e.attempt())) {
            effective = ExecutionEvent.RETRY;
        }
        ExecutionState to =
                ExecutionTransitions.next(e.state(), effective)
                        .orElseThrow(
                                () ->
                                        Refusal.conflict(
                                                "Invalid transition",
                                                "execution is "
                                                        + e.state()
                                                        + "; cannot report "
                                                        + report.status()));
        return new Decision(effective, to, change(e, effective, event, plan, report, now));
    }

    /**
     * A device's progress or outcome event over a push protocol: what it runs now, and how it maps
     * to the execution it is acting on ({@code null}: nothing to report for that state).
     */
    public record PushEvent(
            String deviceId,
            String runningVersion,
            java.util.function.Function<Execution, DeviceReport> report) {}

    /**
     * Applies many push events in one transaction: one batched device update, one locking read of
     * the executions they act on, one batched compare-and-set update and one batched audit insert.
     * Each state change still commits together with its audit entry (same transaction). Events are
     * applied in order per device; an event the state machine refuses (stale, duplicate) is skipped
     * as {@link #report} would refuse it. Returns how many executions changed state.
     */
    public int applyPushEvents(List<PushEvent> events, String protocol) {
        if (events.isEmpty()) return 0;
        return db.tx(
                c -> {
                    Instant now = Instant.now();
                    java.util.Map<String, DeviceRepository.Seen> seen =
                            new java.util.LinkedHashMap<>();
                    for (PushEvent p : events) {
                        DeviceRepository.Seen before = seen.get(p.deviceId());
                        seen.put(
                                p.deviceId(),
                                new DeviceRepository.Seen(
                                        p.deviceId(),
                                        p.runningVersion() != null
                                                ? p.runningVersion()
                                                : before == null ? null : before.version(),
                                        null,
                                        protocol));
                    }
                    devices.updateReports(c, List.copyOf(seen.values()), now);
                    java.util.Map<String, List<Execution>> actionable = new java.util.HashMap<>();
                    for (Execution e : executions.lockActionable(c, List.copyOf(seen.keySet()))) {
                        actionable.computeIfAbsent(e.deviceId(), k -> new ArrayList<>()).add(e);
                    }
                    java.util.Map<String, Optional<Deployment>> deps = new java.util.HashMap<>();
                    java.util.Map<String, Execution> current = new java.util.HashMap<>();
                    for (java.util.Map.Entry<String, List<Execution>> en : actionable.entrySet()) {
                        Execution best = null;
                        for (Execution e : en.getValue()) {
                            if (e.state() == ExecutionState.QUEUED) {
                                Optional<Deployment> d =
                                        deps.computeIfAbsent(e.deploymentId(), id -> find(c, id));
                                if (d.isEmpty()
                                        || d.get().state() != DeploymentState.RUNNING
                                        || (e.nextAttemptAt() != null
                                                && e.nextAttemptAt().isAfter(now))) continue;
                            }
                            if (best == null || before(e, best)) best = e;
                        }
                        if (best != null) current.put(en.getKey(), best);
                    }
                    List<ExecutionRepository.Transition> batch = new ArrayList<>();
                    List<AuditLog.Pending> entries = new ArrayList<>();
                    for (PushEvent p : events) {
                        Execution e = current.get(p.deviceId());
                        if (e == null || e.state().isFinal()) continue;
                        DeviceReport r = p.report().apply(e);
                        if (r == null) continue;
                        Deployment d =
                                deps.computeIfAbsent(e.deploymentId(), id -> find(c, id))
                                        .orElseThrow();
                        Decision decision;
                        try {
                            decision = decide(e, d.plan(), r, now);
                        } catch (Refusal refused) {
                            continue; // as report() would refuse it: nothing written for it
                        }
                        batch.add(
                                new ExecutionRepository.Transition(
                                        e, decision.to(), decision.change()));
                        entries.add(decision.audit(Caller.device(p.deviceId()), e, r));
                        current.put(p.deviceId(), e.after(decision.to(), decision.change(), now));
                    }
                    if (!executions.transitionAll(c, batch, now)) {
                        throw new IllegalStateException(
                                "an execution changed concurrently; the batch is rolled back");
                    }
                    audit.recordAll(c, entries);
                    return batch.size();
                });
    }

    private Optional<Deployment> find(Connection c, String id) {
        try {
            return deployments.find(c, id);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The order {@link ExecutionRepository#nextForDevice} offers a device its work in. */
    private static boolean before(Execution a, Execution b) {
        int ra = a.state() == ExecutionState.IN_PROGRESS ? 0 : 1;
        int rb = b.state() == ExecutionState.IN_PROGRESS ? 0 : 1;
        if (ra != rb) return ra < rb;
        int t = a.releasedAt().compareTo(b.releasedAt());
        if (t != 0) return t < 0;
        return a.deploymentId().compareTo(b.deploymentId()) < 0;
    }

    static ExecutionRepository.Change change(
            Execution e,
            ExecutionEvent effective,
            ExecutionEvent cause,
            RolloutPlan plan,
            DeviceReport report,
            Instant now) {
        String details = report == null ? null : report.statusDetails();
        String reason = report == null ? null : report.rollbackReason();
        return switch (effective) {
            case START ->
                    new ExecutionRepository.Change(
                            e.attempt(),
                            e.startedAt() == null ? now : e.startedAt(),
                            null,
                            details,
                            null,
                            null);
            case RETRY -> {
                int attempt = e.attempt() + 1;
                yield new ExecutionRepository.Change(
                        attempt,
                        null,
                        now.plus(plan.retry().backoff(attempt)),
                        details,
                        cause == ExecutionEvent.TIME_OUT ? "TIMED_OUT" : "FAILED",
                        reason);
            }
            case FAIL ->
                    new ExecutionRepository.Change(
                            e.attempt(), e.startedAt(), null, details, "FAILED", reason);
            case REJECT ->
                    new ExecutionRepository.Change(
                            e.attempt(), e.startedAt(), null, details, "REJECTED", reason);
            case TIME_OUT ->
                    new ExecutionRepository.Change(
                            e.attempt(), e.startedAt(), null, details, "TIMED_OUT", null);
            default ->
                    new ExecutionRepository.Change(
                            e.attempt(), e.startedAt(), null, details, null, reason);
        };
    }

    private Optional<Execution> visible(Connection c, String deploymentId, String deviceId)
            throws SQLException {
        return executions.lock(c, deploymentId, deviceId).filter(x -> x.releasedAt() != null);
    }
}
