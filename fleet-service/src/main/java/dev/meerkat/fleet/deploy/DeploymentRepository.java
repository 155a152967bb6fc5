package dev.meerkat.fleet.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.meerkat.fleet.store.RecentlyUsed;
import dev.meerkat.fleet.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Rows of {@code deployments}; {@link #lock} is how a replica claims one for a rollout step. */
@ApplicationScoped
public class DeploymentRepository {
    static final ObjectMapper JSON =
            new ObjectMapper()
                    .registerModule(new JavaTimeModule())
                    .disable(
                            com.fasterxml.jackson.databind.SerializationFeature
                                    .WRITE_DATES_AS_TIMESTAMPS);
    private static final String COLUMNS =
            "id, release_id, group_name, state, plan, current_phase, phase_started_at,"
                    + " rate_tokens, rate_updated_at, state_reason, created_at, created_by, row_version";

    public void insert(Connection c, Deployment d) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO deployments ("
                                + COLUMNS
                                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, d.id());
            ps.setString(2, d.releaseId());
            ps.setString(3, d.groupName());
            ps.setString(4, d.state().name());
            ps.setString(5, planJson(d.plan()));
            ps.setInt(6, d.currentPhase());
            Sql.setInstant(ps, 7, d.phaseStartedAt());
            ps.setDouble(8, d.rateTokens());
            Sql.setInstant(ps, 9, d.rateUpdatedAt());
            ps.setString(10, d.stateReason());
            Sql.setInstant(ps, 11, d.createdAt());
            ps.setString(12, d.createdBy());
            ps.setLong(13, d.rowVersion());
            ps.executeUpdate();
        }
    }

    /** Writes the mutable columns and bumps the row version. */
    public void update(Connection c, Deployment d) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE deployments SET state = ?, current_phase = ?,"
                                + " phase_started_at = ?, rate_tokens = ?, rate_updated_at = ?, state_reason = ?, row_version = row_version + 1"
                                + " WHERE id = ?")) {
            ps.setString(1, d.state().name());
            ps.setInt(2, d.currentPhase());
            Sql.setInstant(ps, 3, d.phaseStartedAt());
            ps.setDouble(4, d.rateTokens());
            Sql.setInstant(ps, 5, d.rateUpdatedAt());
            ps.setString(6, d.stateReason());
            ps.setString(7, d.id());
            ps.executeUpdate();
        }
    }

    public Optional<Deployment> find(Connection c, String id) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT " + COLUMNS + " FROM deployments WHERE id = ?")) {
            ps.setString(1, id);
            return first(ps);
        }
    }

    /** Locks the row, waiting for whoever holds it (operator commands). */
    public Optional<Deployment> lock(Connection c, String id) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT " + COLUMNS + " FROM deployments WHERE id = ? FOR UPDATE")) {
            ps.setString(1, id);
            return first(ps);
        }
    }

    /** Locks the row unless another replica holds it: the rollout engine's claim. */
    public Optional<Deployment> claim(Connection c, String id) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT "
                                + COLUMNS
                                + " FROM deployments WHERE id = ? FOR UPDATE SKIP LOCKED")) {
            ps.setString(1, id);
            return first(ps);
        }
    }

    public List<String> activeIds(Connection c) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT id FROM deployments WHERE state IN ('RUNNING', 'WAITING', 'PAUSED') ORDER BY created_at, id")) {
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        }
    }

    public List<Deployment> all(Connection c) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT " + COLUMNS + " FROM deployments ORDER BY created_at, id")) {
            List<Deployment> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(row(rs));
            }
            return out;
        }
    }

    private Optional<Deployment> first(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(row(rs)) : Optional.empty();
        }
    }

    private Deployment row(ResultSet rs) throws SQLException {
        return new Deployment(
                rs.getString("id"),
                rs.getString("release_id"),
                rs.getString("group_name"),
                DeploymentState.valueOf(rs.getString("state")),
                parsedPlan(rs.getString("plan")),
                rs.getInt("current_phase"),
                Sql.instant(rs, "phase_started_at"),
                rs.getDouble("rate_tokens"),
                Sql.instant(rs, "rate_updated_at"),
                rs.getString("state_reason"),
                Sql.instant(rs, "created_at"),
                rs.getString("created_by"),
                rs.getLong("row_version"));
    }

    static String planJson(RolloutPlan p) {
        try {
            return JSON.writeValueAsString(p);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Recently read plans by their stored JSON. A plan never changes once stored, and reading a
     * deployment is part of applying every batch of device reports: parsing its plan again each
     * time was a fifth of that work in a 10,000-device rollout. Plans are immutable, so they are
     * shared.
     */
    private final RecentlyUsed<String, RolloutPlan> plans = new RecentlyUsed<>(256);

    private RolloutPlan parsedPlan(String json) {
        RolloutPlan p = plans.get(json);
        if (p == null) {
            p = plan(json);
            plans.put(json, p);
        }
        return p;
    }

    static RolloutPlan plan(String json) {
        try {
            return JSON.readValue(json, RolloutPlan.class).validated();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt plan column: " + e.getOriginalMessage(), e);
        }
    }
}
