package dev.meerkat.fleet.deploy;

import dev.meerkat.fleet.audit.AuditLog;
import dev.meerkat.fleet.device.DeviceIds;
import dev.meerkat.fleet.group.Group;
import dev.meerkat.fleet.group.GroupService;
import dev.meerkat.fleet.refusal.Refusal;
import dev.meerkat.fleet.release.Release;
import dev.meerkat.fleet.release.ReleaseRepository;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Use cases of deployments: create, operator commands, status. */
@ApplicationScoped
public class DeploymentService {

    @Inject Database db;

    @Inject DeploymentRepository deployments;

    @Inject ExecutionRepository executions;

    @Inject ReleaseRepository releases;

    @Inject GroupService groups;

    @Inject AuditLog audit;

    /**
     * Creates a running deployment: every current member of the group gets a queued execution,
     * assigned to a phase in a per-deployment pseudo-random order (so the first phase is a spread
     * sample, not the devices with the smallest ids).
     */
    public Deployment create(
            Caller caller, String id, String releaseId, String groupName, RolloutPlan requested) {
        String depId =
                id != null
                        ? DeviceIds.name("deployment id", id)
                        : "dep-" + UUID.randomUUID().toString().substring(0, 8);
        RolloutPlan plan =
                (requested == null
                                ? new RolloutPlan(null, null, null, null, null, null, null, null)
                                : requested)
                        .validated();
        if (releaseId == null) throw Refusal.badRequest("releaseId is required");
        return db.tx(c -> create(c, caller, depId, releaseId, groupName, plan));
    }

    /**
     * Creates a running deployment inside the caller's transaction (for use cases that create more
     * in the same transaction). {@code releaseId} may be null when the protocol carries its own
     * payload (an AWS IoT job's document); {@code plan} must be validated.
     */
    public Deployment create(
            Connection c,
            Caller caller,
            String depId,
            String releaseId,
            String groupName,
            RolloutPlan plan)
            throws SQLException {
        if (deployments.find(c, depId).isPresent()) {
            throw Refusal.conflict("Deployment exists", "deployment " + depId + " exists");
        }
        Release r =
                releaseId == null
                        ? null
                        : releases.find(c, releaseId)
                                .orElseThrow(
                                        () ->
                                                Refusal.unprocessable(
                                                        "Unknown release",
                                                        "no release " + releaseId));
        Group g = groups.require(c, groupName);
        List<String> members = shuffled(depId, groups.currentMembers(c, g));
        if (members.isEmpty() && g.kind() == Group.Kind.STATIC) {
            throw Refusal.unprocessable("Empty group", "group " + groupName + " has no devices");
        }
        int[] sizes = plan.phaseSizes(members.size());
        int[] phaseOf = new int[members.size()];
        for (int p = 0, i = 0; p < sizes.length; p++) {
            for (int k = 0; k < sizes[p]; k++) phaseOf[i++] = p;
        }
        Instant now = Instant.now();
        Deployment d =
                new Deployment(
                        depId,
                        r == null ? null : r.id(),
                        g.name(),
                        DeploymentState.RUNNING,
                        plan,
                        0,
                        now,
                        initialTokens(plan, 0),
                        now,
                        null,
                        now,
                        caller.name(),
                        1);
        deployments.insert(c, d);
        executions.insertQueued(c, depId, members, phaseOf, 0, now);
        audit.record(
                c,
                caller,
                "deployment.create",
                depId,
                "release="
                        + (r == null ? "none" : r.id())
                        + " group="
                        + g.name()
                        + " devices="
                        + members.size()
                        + " phases="
                        + sizes.length);
        return d;
    }

    /** Applies an operator command under the deployment's row lock. */
    public Deployment command(Caller caller, String id, DeploymentCommand cmd) {
        return db.tx(
                c -> {
                    Deployment d =
                            deployments
                                    .lock(c, id)
                                    .orElseThrow(
                                            () ->
                                                    Refusal.notFound(
                                                            "Deployment", "no deployment " + id));
                    DeploymentState to =
                            cmd.apply(d.state())
                                    .orElseThrow(
                                            () ->
                                                    Refusal.conflict(
                                                            "Invalid state",
                                                            "deployment "
                                                                    + id
                                                                    + " is "
                                                                    + d.state()
                                                                    + "; "
                                                                    + cmd
                                                                    + " is not possible"));
                    Instant now = Instant.now();
                    Deployment next = d.withState(to, null);
                    switch (cmd) {
                        case PAUSE -> next = d.withState(to, "paused by " + caller.name());
                        case CANCEL -> {
                            int n =
                                    executions.transitionAll(
                                            c,
                                            id,
                                            ExecutionState.QUEUED,
                                            ExecutionState.CANCELED,
                                            "deployment canceled",
                                            now);
                            next =
                                    d.withState(
                                            to,
                                            "canceled by "
                                                    + caller.name()
                                                    + "; "
                                                    + n
                                                    + " queued executions canceled");
                        }
                        case NEXT_PHASE -> {
                            if (d.currentPhase() + 1 >= d.plan().phaseCount()) {
                                throw Refusal.conflict(
                                        "No next phase",
                                        "deployment " + id + " is in its last phase");
                            }
                            Map<ExecutionState, Integer> current =
                                    executions
                                            .counts(c, id)
                                            .getOrDefault(d.currentPhase(), Map.of());
                            int open =
                                    current.getOrDefault(ExecutionState.QUEUED, 0)
                                            + current.getOrDefault(ExecutionState.IN_PROGRESS, 0);
                            if (open > 0) {
                                throw Refusal.conflict(
                                        "Phase not finished",
                                        "phase "
                                                + (d.currentPhase() + 1)
                                                + " still has "
                                                + open
                                                + " executions queued or in progress");
                            }
                            next =
                                    d.withState(to, null)
                                            .withPhase(d.currentPhase() + 1, now)
                                            .withRate(initialTokens(d.plan(), 0), now);
                        }
                        case RESUME -> next = d.withState(to, null).withRate(d.rateTokens(), now);
                        default -> throw new IllegalStateException();
                    }
                    deployments.update(c, next);
                    audit.record(
                            c,
                            caller,
                            "deployment." + cmd.name().toLowerCase(java.util.Locale.ROOT),
                            id,
                            d.state()
                                    + " -> "
                                    + to
                                    + (next.stateReason() == null
                                            ? ""
                                            : ": " + next.stateReason()));
                    return deployments.find(c, id).orElseThrow();
                });
    }

    public DeploymentStatus status(String id) {
        return db.tx(
                c ->
                        status(
                                c,
                                deployments
                                        .find(c, id)
                                        .orElseThrow(
                                                () ->
                                                        Refusal.notFound(
                                                                "Deployment",
                                                                "no deployment " + id))));
    }

    public List<DeploymentStatus> all() {
        return db.tx(
                c -> {
                    List<DeploymentStatus> out = new ArrayList<>();
                    for (Deployment d : deployments.all(c)) out.add(status(c, d));
                    return out;
                });
    }

    public List<Execution> executions(String id, String after, int limit) {
        return db.tx(
                c -> {
                    deployments
                            .find(c, id)
                            .orElseThrow(
                                    () -> Refusal.notFound("Deployment", "no deployment " + id));
                    return executions.page(c, id, after, limit);
                });
    }

    DeploymentStatus status(Connection c, Deployment d) throws SQLException {
        Map<Integer, Map<ExecutionState, Integer>> counts = executions.counts(c, d.id());
        Map<Integer, Integer> released = executions.releasedCounts(c, d.id());
        List<DeploymentStatus.PhaseStatus> phases = new ArrayList<>();
        Map<ExecutionState, Integer> totals = new EnumMap<>(ExecutionState.class);
        for (int p = 0; p < d.plan().phaseCount(); p++) {
            Map<ExecutionState, Integer> m = counts.getOrDefault(p, Map.of());
            int size = m.values().stream().mapToInt(Integer::intValue).sum();
            phases.add(new DeploymentStatus.PhaseStatus(p, size, released.getOrDefault(p, 0), m));
            m.forEach((s, n) -> totals.merge(s, n, Integer::sum));
        }
        String version = releases.find(c, d.releaseId()).map(Release::version).orElse("?");
        return new DeploymentStatus(d, version, phases, totals);
    }

    /** A full bucket of a few seconds' worth, so a phase starts promptly but not all at once. */
    static double initialTokens(RolloutPlan plan, int succeeded) {
        double rate = plan.ratePerMinute(succeeded);
        return rate < 0 ? 0 : Math.max(1, rate / 6);
    }

    static List<String> shuffled(String seed, List<String> ids) {
        List<String> out = new ArrayList<>(ids);
        out.sort(
                Comparator.comparing((String id) -> orderKey(seed, id))
                        .thenComparing(Comparator.naturalOrder()));
        return out;
    }

    private static String orderKey(String seed, String id) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of()
                    .formatHex(md.digest((seed + "\u0000" + id).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
