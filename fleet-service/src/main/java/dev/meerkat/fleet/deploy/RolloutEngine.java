package dev.meerkat.fleet.deploy;

import dev.meerkat.fleet.FleetConfig;
import dev.meerkat.fleet.audit.AuditLog;
import dev.meerkat.fleet.group.Group;
import dev.meerkat.fleet.group.GroupRepository;
import dev.meerkat.fleet.group.GroupService;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.store.Database;
import dev.meerkat.fleet.store.RecentlyUsed;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Moves deployments forward. Every replica runs one; a step on a deployment happens in one
 * transaction that holds the deployment's row ({@code FOR UPDATE SKIP LOCKED}), so replicas share
 * the work without ever stepping the same deployment twice, and a replica that dies mid-step leaves
 * nothing half-done. Each step, in order: membership (dynamic joiners, static leavers), in-progress
 * timeouts, abort criteria, then (when running) releasing executions and finishing the phase.
 */
@ApplicationScoped
public class RolloutEngine {
    private static final Logger LOG = Logger.getLogger(RolloutEngine.class);

    @Inject Database db;

    @Inject DeploymentRepository deployments;

    @Inject ExecutionRepository executions;

    @Inject GroupService groups;

    @Inject GroupRepository groupRepository;

    @Inject AuditLog audit;

    @Inject FleetConfig config;

    private final List<Consumer<Released>> listeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private ScheduledExecutorService timer;

    /** Per deployment to a static group: its removal count when this replica last followed it. */
    private final RecentlyUsed<String, Long> removalsSeen = new RecentlyUsed<>(1024);

    /**
     * Devices whose executions were just released (committed), for protocols that push
     * notifications.
     */
    public record Released(String deploymentId, List<String> deviceIds) {}

    public void onReleased(Consumer<Released> listener) {
        listeners.add(listener);
    }

    void start(@Observes StartupEvent ev) {
        if (!config.engine().enabled()) return;
        timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "rollout-engine");
                            t.setDaemon(true);
                            return t;
                        });
        long ms = config.engine().tick().toMillis();
        timer.scheduleWithFixedDelay(this::tickSafely, ms, ms, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timer != null) timer.shutdownNow();
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.warnf("rollout step failed (will retry): %s", e.getMessage());
        }
    }

    /** One pass over every active deployment this replica can claim. */
    public void tick() {
        for (String id : db.tx(deployments::activeIds)) {
            List<String> released = db.tx(c -> step(c, id));
            if (!released.isEmpty()) {
                Released r = new Released(id, released);
                for (Consumer<Released> l : listeners) {
                    try {
                        l.accept(r);
                    } catch (RuntimeException e) {
                        LOG.warnf("release listener failed: %s", e.getMessage());
                    }
                }
            }
        }
    }

    /** One step on one deployment inside the caller's transaction; returns the devices released. */
    List<String> step(Connection c, String id) throws SQLException {
        Optional<Deployment> claimed = deployments.claim(c, id);
        if (claimed.isEmpty() || claimed.get().state().isFinal()) return List.of();
        Deployment d = claimed.get();
        Deployment before = d;
        Instant now = Instant.now();
        RolloutPlan plan = d.plan();

        followMembership(c, d, now);
        timeOut(c, d, now);

        Map<Integer, Map<ExecutionState, Integer>> counts = executions.counts(c, id);
        Optional<String> abort = abortReason(plan, counts);
        if (abort.isPresent()) {
            int canceled =
                    executions.transitionAll(
                            c,
                            id,
                            ExecutionState.QUEUED,
                            ExecutionState.CANCELED,
                            "deployment aborted",
                            now);
            d =
                    d.withState(
                            DeploymentState.ABORTED,
                            abort.get() + "; " + canceled + " queued executions canceled");
            deployments.update(c, d);
            audit.record(c, Caller.SYSTEM, "deployment.abort", id, d.stateReason());
            return List.of();
        }
        List<String> released = List.of();
        if (d.state() == DeploymentState.RUNNING) {
            int succeeded = total(counts, ExecutionState.SUCCEEDED);
            RolloutPlan.Phase p = plan.phase(d.currentPhase());
            boolean open =
                    (p.startAt() == null || !now.isBefore(p.startAt()))
                            && plan.insideMaintenanceWindow(now);
            double rate = plan.ratePerMinute(succeeded);
            double tokens = d.rateTokens();
            if (rate >= 0 && d.rateUpdatedAt() != null) {
                double cap = Math.max(1, rate / 6);
                tokens =
                        Math.min(
                                cap,
                                tokens
                                        + rate
                                                * Duration.between(d.rateUpdatedAt(), now)
                                                        .toMillis()
                                                / 60_000.0);
            }
            if (open) {
                int limit = rate < 0 ? Integer.MAX_VALUE : (int) Math.floor(tokens);
                if (limit > 0) {
                    released = executions.release(c, id, d.currentPhase(), limit, now);
                    if (rate >= 0) tokens -= released.size();
                    if (!released.isEmpty()) {
                        audit.record(
                                c,
                                Caller.SYSTEM,
                                "deployment.release",
                                id,
                                released.size() + " executions of phase " + (d.currentPhase() + 1));
                    }
                }
            }
            d = d.withRate(tokens, now);
            // The phase is judged on the counts the abort check passed: an outcome that commits
            // while this step runs meets the abort check on the next tick before the phase's
            // success criterion (which would pause instead of abort) sees it.
            d = finishPhase(c, d, counts, now);
        }
        if (!d.equals(before)) deployments.update(c, d);
        return released;
    }

    /**
     * Dynamic groups: devices that now match join the current phase. Static groups: queued leavers
     * are removed.
     */
    private void followMembership(Connection c, Deployment d, Instant now) throws SQLException {
        Group g = groups.require(c, d.groupName());
        if (g.kind() == Group.Kind.DYNAMIC) {
            if (d.state() == DeploymentState.PAUSED) return;
            Set<String> members = Set.copyOf(groups.currentMembers(c, g));
            Set<String> known = executions.deviceIds(c, d.id());
            List<String> joiners =
                    members.stream().filter(m -> !known.contains(m)).sorted().toList();
            if (joiners.isEmpty()) return;
            int[] phase = new int[joiners.size()];
            java.util.Arrays.fill(phase, d.currentPhase());
            executions.insertQueued(
                    c, d.id(), joiners, phase, executions.maxSeq(c, d.id()) + 1, now);
            audit.record(
                    c,
                    Caller.SYSTEM,
                    "deployment.join",
                    d.id(),
                    joiners.size() + " devices joined group " + g.name());
        } else {
            // The scan below reads every queued execution of the deployment: only worth it when
            // members were removed since this replica last found no leaver (the count is read
            // first, so a removal committing meanwhile is seen now or on the next tick; a scan
            // that found leavers is not remembered, as this transaction may still roll back).
            long removals = groupRepository.removals(c, g.name());
            Long seen = removalsSeen.get(d.id());
            if (seen != null && seen == removals) return;
            List<Execution> leavers = executions.queuedOutsideGroup(c, d.id(), g.name());
            if (leavers.isEmpty()) removalsSeen.put(d.id(), removals);
            for (Execution e : leavers) {
                if (executions.transition(
                        c, e, ExecutionState.REMOVED, ExecutionRepository.Change.keep(e), now)) {
                    audit.record(
                            c,
                            Caller.SYSTEM,
                            "execution.removed",
                            d.id() + "/" + e.deviceId(),
                            "left group " + g.name());
                }
            }
        }
    }

    private void timeOut(Connection c, Deployment d, Instant now) throws SQLException {
        RolloutPlan plan = d.plan();
        if (plan.inProgressTimeoutSeconds() == null) return;
        for (Execution e :
                executions.inProgressSince(
                        c, d.id(), now.minusSeconds(plan.inProgressTimeoutSeconds()))) {
            ExecutionEvent ev =
                    plan.retry() != null
                                    && plan.retry().applies(ExecutionEvent.TIME_OUT, e.attempt())
                            ? ExecutionEvent.RETRY
                            : ExecutionEvent.TIME_OUT;
            ExecutionState to = ExecutionTransitions.next(e.state(), ev).orElseThrow();
            if (executions.transition(
                    c,
                    e,
                    to,
                    ExecutionService.change(e, ev, ExecutionEvent.TIME_OUT, plan, null, now),
                    now)) {
                audit.record(
                        c,
                        Caller.SYSTEM,
                        "execution." + to.name().toLowerCase(java.util.Locale.ROOT),
                        d.id() + "/" + e.deviceId(),
                        "no final report within " + plan.inProgressTimeoutSeconds() + " s");
            }
        }
    }

    /**
     * The first abort criterion met, over every execution of the deployment that ran to an outcome.
     */
    static Optional<String> abortReason(
            RolloutPlan plan, Map<Integer, Map<ExecutionState, Integer>> counts) {
        int executed = 0;
        Map<ExecutionState, Integer> all = new java.util.EnumMap<>(ExecutionState.class);
        for (Map<ExecutionState, Integer> m : counts.values())
            m.forEach((s, n) -> all.merge(s, n, Integer::sum));
        for (Map.Entry<ExecutionState, Integer> e : all.entrySet()) {
            if (e.getKey().isExecuted()) executed += e.getValue();
        }
        for (RolloutPlan.AbortCriterion a : plan.abortCriteria()) {
            int failures = 0;
            for (Map.Entry<ExecutionState, Integer> e : all.entrySet()) {
                if (a.failureType().counts(e.getKey())) failures += e.getValue();
            }
            if (executed >= a.minExecuted()
                    && failures * 100.0 >= a.thresholdPercent() * executed) {
                return Optional.of(
                        String.format(
                                java.util.Locale.ROOT,
                                "abort criterion met: %d of %d executed devices %s (%.1f%% >= %.1f%%, at least %d executed)",
                                failures,
                                executed,
                                a.failureType() == FailureType.ALL
                                        ? "failed, were rejected or timed out"
                                        : a.failureType()
                                                .name()
                                                .toLowerCase(java.util.Locale.ROOT)
                                                .replace('_', ' '),
                                failures * 100.0 / executed,
                                a.thresholdPercent(),
                                a.minExecuted()));
            }
        }
        return Optional.empty();
    }

    /**
     * When the current phase has nothing queued or in progress: judge it, then complete, wait,
     * pause or advance.
     */
    private Deployment finishPhase(
            Connection c,
            Deployment d,
            Map<Integer, Map<ExecutionState, Integer>> counts,
            Instant now)
            throws SQLException {
        RolloutPlan plan = d.plan();
        int phase = d.currentPhase();
        Map<ExecutionState, Integer> m = counts.getOrDefault(phase, Map.of());
        if (m.getOrDefault(ExecutionState.QUEUED, 0) > 0
                || m.getOrDefault(ExecutionState.IN_PROGRESS, 0) > 0) return d;
        boolean last = phase + 1 >= plan.phaseCount();
        boolean dynamic = groups.require(c, d.groupName()).kind() == Group.Kind.DYNAMIC;
        int ran = 0;
        for (Map.Entry<ExecutionState, Integer> e : m.entrySet()) {
            if (e.getKey().isExecuted()) ran += e.getValue();
        }
        int ok = m.getOrDefault(ExecutionState.SUCCEEDED, 0);
        double pct = ran == 0 ? 100.0 : ok * 100.0 / ran;
        String summary =
                String.format(
                        java.util.Locale.ROOT,
                        "phase %d of %d finished: %d of %d succeeded (%.1f%%)",
                        phase + 1,
                        plan.phaseCount(),
                        ok,
                        ran,
                        pct);
        Deployment next;
        String action;
        if (pct < plan.phase(phase).successThreshold()) {
            next =
                    d.withState(
                            DeploymentState.PAUSED,
                            summary
                                    + ", below the "
                                    + plan.phase(phase).successThreshold()
                                    + "% success criterion");
            action = "deployment.pause";
        } else if (last) {
            if (dynamic) {
                // A dynamic group's deployment keeps serving devices that join the group later.
                next =
                        d.withState(
                                DeploymentState.RUNNING,
                                summary + "; continuing for devices that join the group");
                action = "deployment.continuous";
            } else {
                next = d.withState(DeploymentState.COMPLETED, summary);
                action = "deployment.complete";
            }
        } else if (plan.autoPauseBetweenPhases()) {
            next =
                    d.withState(
                            DeploymentState.WAITING, summary + "; start the next phase when ready");
            action = "deployment.wait";
        } else {
            next =
                    d.withState(DeploymentState.RUNNING, summary)
                            .withPhase(phase + 1, now)
                            .withRate(DeploymentService.initialTokens(plan, 0), now);
            action = "deployment.next-phase";
        }
        if (next.state() == d.state()
                && next.currentPhase() == d.currentPhase()
                && java.util.Objects.equals(next.stateReason(), d.stateReason())) {
            return d;
        }
        audit.record(c, Caller.SYSTEM, action, d.id(), next.stateReason());
        return next;
    }

    private static int total(Map<Integer, Map<ExecutionState, Integer>> counts, ExecutionState s) {
        int n = 0;
        for (Map<ExecutionState, Integer> m : counts.values()) n += m.getOrDefault(s, 0);
        return n;
    }
}
