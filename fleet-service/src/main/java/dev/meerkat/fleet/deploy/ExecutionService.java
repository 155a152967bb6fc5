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

    /** The protocol the device last used (or was registered with). */
    public Optional<String> protocolOf(String deviceId) {
        return db.tx(c -> devices.find(c, deviceId)).map(d -> d.protocol());
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
     * Applies a device's report; refuses a stale version, a final execution and moves the table
     * lacks.
     */
    public Execution report(
            Caller caller, String deviceId, String deploymentId, DeviceReport report) {
        ExecutionEvent event = report.bounded().event();
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
                    ExecutionRepository.Change change =
                            change(e, effective, event, plan, report, now);
                    if (!executions.transition(c, e, to, change, now)) {
                        throw Refusal.conflict(
                                "Version mismatch",
                                "execution changed concurrently; fetch it and retry");
                    }
                    audit.record(
                            c,
                            caller,
                            "execution." + to.name().toLowerCase(java.util.Locale.ROOT),
                            deploymentId + "/" + deviceId,
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
                    return executions.lock(c, deploymentId, deviceId).orElseThrow();
                });
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
