package dev.meerkat.fleet.deploy;

import dev.meerkat.fleet.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** Rows of {@code executions}. State changes are compare-and-set on the version number. */
@ApplicationScoped
public class ExecutionRepository {
    private static final String COLUMNS =
            "action_id, deployment_id, device_id, phase, seq, state, version_number, attempt, released_at,"
                    + " started_at, next_attempt_at, updated_at, status_details, failure_type, rollback_reason";

    public void insertQueued(
            Connection c,
            String deploymentId,
            List<String> deviceIds,
            int[] phases,
            int firstSeq,
            Instant now)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO executions (deployment_id, device_id, phase, seq, state,"
                                + " version_number, attempt, updated_at) VALUES (?, ?, ?, ?, 'QUEUED', 1, 0, ?)")) {
            for (int i = 0; i < deviceIds.size(); i++) {
                ps.setString(1, deploymentId);
                ps.setString(2, deviceIds.get(i));
                ps.setInt(3, phases[i]);
                ps.setInt(4, firstSeq + i);
                Sql.setInstant(ps, 5, now);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    public Optional<Execution> lock(Connection c, String deploymentId, String deviceId)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT "
                                + COLUMNS
                                + " FROM executions WHERE deployment_id = ? AND device_id = ? FOR UPDATE")) {
            ps.setString(1, deploymentId);
            ps.setString(2, deviceId);
            List<Execution> l = list(ps);
            return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
        }
    }

    /**
     * Moves one execution from {@code expected} (state and version) to {@code next}; false when
     * someone else changed it first.
     */
    public boolean transition(
            Connection c, Execution expected, ExecutionState next, Change change, Instant now)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE executions SET state = ?, version_number = version_number + 1,"
                                + " attempt = ?, started_at = ?, next_attempt_at = ?, updated_at = ?,"
                                + " status_details = COALESCE(?, status_details), failure_type = COALESCE(?, failure_type),"
                                + " rollback_reason = COALESCE(?, rollback_reason)"
                                + " WHERE deployment_id = ? AND device_id = ? AND state = ? AND version_number = ?")) {
            ps.setString(1, next.name());
            ps.setInt(2, change.attempt());
            Sql.setInstant(ps, 3, change.startedAt());
            Sql.setInstant(ps, 4, change.nextAttemptAt());
            Sql.setInstant(ps, 5, now);
            ps.setString(6, change.statusDetails());
            ps.setString(7, change.failureType());
            ps.setString(8, change.rollbackReason());
            ps.setString(9, expected.deploymentId());
            ps.setString(10, expected.deviceId());
            ps.setString(11, expected.state().name());
            ps.setLong(12, expected.versionNumber());
            return ps.executeUpdate() == 1;
        }
    }

    /** One compare-and-set transition of a batch. */
    public record Transition(Execution expected, ExecutionState next, Change change) {}

    /**
     * Several {@link #transition}s sent as one JDBC batch (one round trip); false unless every one
     * of them applied (the caller's transaction must then be rolled back).
     */
    public boolean transitionAll(Connection c, List<Transition> batch, Instant now)
            throws SQLException {
        if (batch.isEmpty()) return true;
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE executions SET state = ?, version_number = version_number + 1,"
                                + " attempt = ?, started_at = ?, next_attempt_at = ?, updated_at = ?,"
                                + " status_details = COALESCE(?, status_details), failure_type = COALESCE(?, failure_type),"
                                + " rollback_reason = COALESCE(?, rollback_reason)"
                                + " WHERE deployment_id = ? AND device_id = ? AND state = ? AND version_number = ?")) {
            for (Transition t : batch) {
                ps.setString(1, t.next().name());
                ps.setInt(2, t.change().attempt());
                Sql.setInstant(ps, 3, t.change().startedAt());
                Sql.setInstant(ps, 4, t.change().nextAttemptAt());
                Sql.setInstant(ps, 5, now);
                ps.setString(6, t.change().statusDetails());
                ps.setString(7, t.change().failureType());
                ps.setString(8, t.change().rollbackReason());
                ps.setString(9, t.expected().deploymentId());
                ps.setString(10, t.expected().deviceId());
                ps.setString(11, t.expected().state().name());
                ps.setLong(12, t.expected().versionNumber());
                ps.addBatch();
            }
            for (int n : ps.executeBatch()) {
                if (n != 1 && n != java.sql.Statement.SUCCESS_NO_INFO) return false;
            }
            return true;
        }
    }

    /**
     * The executions a device may act on, for many devices at once, locked: in progress, or
     * released and queued (the caller checks the deployment is running and the retry delay).
     */
    public List<Execution> lockActionable(Connection c, List<String> deviceIds)
            throws SQLException {
        List<Execution> out = new ArrayList<>();
        for (int from = 0; from < deviceIds.size(); from += 500) {
            List<String> chunk = deviceIds.subList(from, Math.min(deviceIds.size(), from + 500));
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "SELECT "
                                    + COLUMNS
                                    + " FROM executions WHERE device_id IN ("
                                    + "?,".repeat(chunk.size() - 1)
                                    + "?) AND (state = 'IN_PROGRESS' OR (state = 'QUEUED' AND released_at IS NOT NULL))"
                                    + " ORDER BY deployment_id, device_id FOR UPDATE")) {
                for (int i = 0; i < chunk.size(); i++) ps.setString(i + 1, chunk.get(i));
                out.addAll(list(ps));
            }
        }
        return out;
    }

    /**
     * The released executions of a deployment among {@code deviceIds} whose device uses {@code
     * protocol}.
     */
    public List<Execution> released(
            Connection c, String deploymentId, List<String> deviceIds, String protocol)
            throws SQLException {
        List<Execution> out = new ArrayList<>();
        for (int from = 0; from < deviceIds.size(); from += 500) {
            List<String> chunk = deviceIds.subList(from, Math.min(deviceIds.size(), from + 500));
            String in = "(" + "?,".repeat(chunk.size() - 1) + "?)";
            // Two single-table reads through the primary keys, joined here: as one JOIN, the
            // plan PostgreSQL chose varied from run to run, at times scanning every device.
            java.util.Set<String> over = new java.util.HashSet<>();
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "SELECT id FROM devices WHERE protocol = ? AND id IN " + in)) {
                ps.setString(1, protocol);
                for (int i = 0; i < chunk.size(); i++) ps.setString(i + 2, chunk.get(i));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) over.add(rs.getString(1));
                }
            }
            if (over.isEmpty()) continue;
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "SELECT "
                                    + COLUMNS
                                    + " FROM executions WHERE deployment_id = ?"
                                    + " AND released_at IS NOT NULL AND device_id IN "
                                    + in)) {
                ps.setString(1, deploymentId);
                for (int i = 0; i < chunk.size(); i++) ps.setString(i + 2, chunk.get(i));
                for (Execution e : list(ps)) if (over.contains(e.deviceId())) out.add(e);
            }
        }
        return out;
    }

    /**
     * Queued executions of a deployment whose device is no longer a member of the static group (one
     * query instead of loading every queued execution and every member).
     */
    public List<Execution> queuedOutsideGroup(Connection c, String deploymentId, String group)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT "
                                + prefixed("e")
                                + " FROM executions e WHERE e.deployment_id = ? AND e.state = 'QUEUED'"
                                + " AND NOT EXISTS (SELECT 1 FROM group_members m"
                                + " WHERE m.group_name = ? AND m.device_id = e.device_id)")) {
            ps.setString(1, deploymentId);
            ps.setString(2, group);
            return list(ps);
        }
    }

    /** The columns a transition may set besides the state. */
    public record Change(
            int attempt,
            Instant startedAt,
            Instant nextAttemptAt,
            String statusDetails,
            String failureType,
            String rollbackReason) {
        public static Change keep(Execution e) {
            return new Change(e.attempt(), e.startedAt(), e.nextAttemptAt(), null, null, null);
        }
    }

    /** Every execution of the deployment in {@code state}, with its device (bulk cancel/remove). */
    public int transitionAll(
            Connection c,
            String deploymentId,
            ExecutionState from,
            ExecutionState to,
            String details,
            Instant now)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE executions SET state = ?, version_number = version_number + 1,"
                                + " updated_at = ?, status_details = ? WHERE deployment_id = ? AND state = ?")) {
            ps.setString(1, to.name());
            Sql.setInstant(ps, 2, now);
            ps.setString(3, details);
            ps.setString(4, deploymentId);
            ps.setString(5, from.name());
            return ps.executeUpdate();
        }
    }

    /**
     * Releases (makes visible to the devices) up to {@code limit} unreleased queued executions of a
     * phase.
     */
    public List<String> release(
            Connection c, String deploymentId, int phase, int limit, Instant now)
            throws SQLException {
        List<String> ids = new ArrayList<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT device_id FROM executions WHERE deployment_id = ? AND phase = ?"
                                + " AND state = 'QUEUED' AND released_at IS NULL ORDER BY seq LIMIT ?")) {
            ps.setString(1, deploymentId);
            ps.setInt(2, phase);
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) ids.add(rs.getString(1));
            }
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE executions SET released_at = ?, updated_at = ?"
                                + " WHERE deployment_id = ? AND device_id = ? AND released_at IS NULL")) {
            for (String id : ids) {
                Sql.setInstant(ps, 1, now);
                Sql.setInstant(ps, 2, now);
                ps.setString(3, deploymentId);
                ps.setString(4, id);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return ids;
    }

    public Optional<Execution> byActionId(Connection c, long actionId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT " + COLUMNS + " FROM executions WHERE action_id = ?")) {
            ps.setLong(1, actionId);
            List<Execution> l = list(ps);
            return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
        }
    }

    /**
     * Released queued executions of running deployments for devices reached over {@code protocol}
     * whose notification is older than {@code before} (never acknowledged) and whose retry delay
     * passed.
     */
    public List<Execution> unacknowledged(
            Connection c, String protocol, Instant before, Instant now, int limit)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT "
                                + prefixed("e")
                                + " FROM executions e"
                                + " JOIN deployments d ON d.id = e.deployment_id JOIN devices v ON v.id = e.device_id"
                                + " WHERE e.state = 'QUEUED' AND e.released_at IS NOT NULL AND d.state = 'RUNNING' AND v.protocol = ?"
                                + " AND e.updated_at < ? AND (e.next_attempt_at IS NULL OR e.next_attempt_at <= ?)"
                                + " ORDER BY e.updated_at LIMIT ?")) {
            ps.setString(1, protocol);
            Sql.setInstant(ps, 2, before);
            Sql.setInstant(ps, 3, now);
            ps.setInt(4, limit);
            return list(ps);
        }
    }

    /**
     * Started executions over {@code protocol} (of deployments with a release) that nothing was
     * heard of since {@code before}: their outcome may have been lost on its way.
     */
    public List<Execution> silent(Connection c, String protocol, Instant before, int limit)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT "
                                + prefixed("e")
                                + " FROM executions e"
                                + " JOIN deployments d ON d.id = e.deployment_id JOIN devices v ON v.id = e.device_id"
                                + " WHERE e.state = 'IN_PROGRESS' AND d.release_id IS NOT NULL AND v.protocol = ?"
                                + " AND e.updated_at < ? ORDER BY e.updated_at LIMIT ?")) {
            ps.setString(1, protocol);
            Sql.setInstant(ps, 2, before);
            ps.setInt(3, limit);
            return list(ps);
        }
    }

    /** Records that the device was told again (so the next sweep waits). */
    public void touch(Connection c, Execution e, Instant now) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE executions SET updated_at = ? WHERE deployment_id = ?"
                                + " AND device_id = ? AND version_number = ?")) {
            Sql.setInstant(ps, 1, now);
            ps.setString(2, e.deploymentId());
            ps.setString(3, e.deviceId());
            ps.setLong(4, e.versionNumber());
            ps.executeUpdate();
        }
    }

    public List<Execution> inProgressSince(Connection c, String deploymentId, Instant before)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT "
                                + COLUMNS
                                + " FROM executions WHERE deployment_id = ?"
                                + " AND state = 'IN_PROGRESS' AND started_at < ?")) {
            ps.setString(1, deploymentId);
            Sql.setInstant(ps, 2, before);
            return list(ps);
        }
    }

    public List<Execution> queued(Connection c, String deploymentId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT "
                                + COLUMNS
                                + " FROM executions WHERE deployment_id = ?"
                                + " AND state = 'QUEUED'")) {
            ps.setString(1, deploymentId);
            return list(ps);
        }
    }

    public Set<String> deviceIds(Connection c, String deploymentId) throws SQLException {
        Set<String> out = new HashSet<>();
        try (PreparedStatement ps =
                c.prepareStatement("SELECT device_id FROM executions WHERE deployment_id = ?")) {
            ps.setString(1, deploymentId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        }
        return out;
    }

    public int maxSeq(Connection c, String deploymentId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT COALESCE(MAX(seq), -1) FROM executions WHERE deployment_id = ?")) {
            ps.setString(1, deploymentId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** Per phase, how many executions are in each state. */
    public Map<Integer, Map<ExecutionState, Integer>> counts(Connection c, String deploymentId)
            throws SQLException {
        Map<Integer, Map<ExecutionState, Integer>> out = new TreeMap<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT phase, state, COUNT(*) FROM executions"
                                + " WHERE deployment_id = ? GROUP BY phase, state")) {
            ps.setString(1, deploymentId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getInt(1), k -> new EnumMap<>(ExecutionState.class))
                            .put(ExecutionState.valueOf(rs.getString(2)), rs.getInt(3));
                }
            }
        }
        return out;
    }

    /** Per phase, how many executions were released (their device was told), in one query. */
    public Map<Integer, Integer> releasedCounts(Connection c, String deploymentId)
            throws SQLException {
        Map<Integer, Integer> out = new TreeMap<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT phase, COUNT(*) FROM executions WHERE deployment_id = ?"
                                + " AND released_at IS NOT NULL GROUP BY phase")) {
            ps.setString(1, deploymentId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getInt(1), rs.getInt(2));
            }
        }
        return out;
    }

    public List<Execution> page(Connection c, String deploymentId, String after, int limit)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT "
                                + COLUMNS
                                + " FROM executions WHERE deployment_id = ?"
                                + " AND device_id > ? ORDER BY device_id LIMIT ?")) {
            ps.setString(1, deploymentId);
            ps.setString(2, after == null ? "" : after);
            ps.setInt(3, limit);
            return list(ps);
        }
    }

    /**
     * The device's next piece of work: an execution in progress, else the oldest released queued
     * one of a running deployment whose retry delay has passed.
     */
    public Optional<Execution> nextForDevice(Connection c, String deviceId, Instant now)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT "
                                + prefixed("e")
                                + " FROM executions e"
                                + " JOIN deployments d ON d.id = e.deployment_id WHERE e.device_id = ?"
                                // deployments without a release (AWS IoT jobs) reach things only
                                // through the Jobs API
                                + " AND d.release_id IS NOT NULL AND ("
                                + " e.state = 'IN_PROGRESS' OR (e.state = 'QUEUED' AND e.released_at IS NOT NULL AND d.state = 'RUNNING'"
                                + " AND (e.next_attempt_at IS NULL OR e.next_attempt_at <= ?)))"
                                + " ORDER BY CASE WHEN e.state = 'IN_PROGRESS' THEN 0 ELSE 1 END, e.released_at, e.deployment_id LIMIT 1")) {
            ps.setString(1, deviceId);
            Sql.setInstant(ps, 2, now);
            List<Execution> l = list(ps);
            return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
        }
    }

    public List<Execution> ofDevice(Connection c, String deviceId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT "
                                + COLUMNS
                                + " FROM executions WHERE device_id = ?"
                                + " ORDER BY updated_at DESC LIMIT 50")) {
            ps.setString(1, deviceId);
            return list(ps);
        }
    }

    private static String prefixed(String alias) {
        StringBuilder b = new StringBuilder();
        for (String col : COLUMNS.split(",\\s*")) {
            if (b.length() > 0) b.append(", ");
            b.append(alias).append('.').append(col);
        }
        return b.toString();
    }

    private static List<Execution> list(PreparedStatement ps) throws SQLException {
        List<Execution> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(
                        new Execution(
                                rs.getLong("action_id"),
                                rs.getString("deployment_id"),
                                rs.getString("device_id"),
                                rs.getInt("phase"),
                                rs.getInt("seq"),
                                ExecutionState.valueOf(rs.getString("state")),
                                rs.getLong("version_number"),
                                rs.getInt("attempt"),
                                Sql.instant(rs, "released_at"),
                                Sql.instant(rs, "started_at"),
                                Sql.instant(rs, "next_attempt_at"),
                                Sql.instant(rs, "updated_at"),
                                rs.getString("status_details"),
                                rs.getString("failure_type"),
                                rs.getString("rollback_reason")));
            }
        }
        return out;
    }
}
