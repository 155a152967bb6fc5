package dev.meerkat.fleet.aws;

import dev.meerkat.fleet.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Rows of {@code aws_jobs}, and the questions the Jobs API asks of a thing's executions. */
@ApplicationScoped
public class AwsJobRepository {

    public void insert(Connection c, AwsJob j) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO aws_jobs (job_id, document, description, target_selection,"
                                + " targets, configs, reason_code, cancel_comment, force_canceled,"
                                + " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, j.jobId());
            ps.setString(2, j.document());
            ps.setString(3, j.description());
            ps.setString(4, j.targetSelection());
            ps.setString(5, j.targets());
            ps.setString(6, j.request());
            ps.setString(7, j.reasonCode());
            ps.setString(8, j.comment());
            ps.setBoolean(9, j.forceCanceled());
            Sql.setInstant(ps, 10, j.createdAt());
            ps.executeUpdate();
        }
    }

    public Optional<AwsJob> find(Connection c, String jobId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM aws_jobs WHERE job_id = ?")) {
            ps.setString(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(
                        new AwsJob(
                                rs.getString("job_id"),
                                rs.getString("document"),
                                rs.getString("description"),
                                rs.getString("target_selection"),
                                rs.getString("targets"),
                                rs.getString("configs"),
                                rs.getString("reason_code"),
                                rs.getString("cancel_comment"),
                                rs.getBoolean("force_canceled"),
                                Sql.instant(rs, "created_at")));
            }
        }
    }

    public void canceled(
            Connection c, String jobId, String reasonCode, String comment, boolean force)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE aws_jobs SET reason_code = ?, cancel_comment = ?, force_canceled = ?"
                                + " WHERE job_id = ?")) {
            ps.setString(1, reasonCode);
            ps.setString(2, comment);
            ps.setBoolean(3, force);
            ps.setString(4, jobId);
            ps.executeUpdate();
        }
    }

    /**
     * The jobs a thing has pending, next first: IN_PROGRESS, then QUEUED executions the rollout
     * released (of a running job, retry delay over), each by release time. Executions the rollout
     * has not released yet do not exist for the thing, as in AWS.
     */
    public List<String> pendingJobIds(Connection c, String thingName, Instant now)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT e.deployment_id FROM executions e"
                                + " JOIN aws_jobs j ON j.job_id = e.deployment_id"
                                + " JOIN deployments d ON d.id = e.deployment_id"
                                + " WHERE e.device_id = ? AND (e.state = 'IN_PROGRESS' OR"
                                + " (e.state = 'QUEUED' AND e.released_at IS NOT NULL AND d.state = 'RUNNING'"
                                + " AND (e.next_attempt_at IS NULL OR e.next_attempt_at <= ?)))"
                                + " ORDER BY CASE WHEN e.state = 'IN_PROGRESS' THEN 0 ELSE 1 END,"
                                + " e.released_at, e.deployment_id")) {
            ps.setString(1, thingName);
            Sql.setInstant(ps, 2, now);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        }
    }

    /**
     * Things whose job executions changed since {@code since} (or whose retry delay ended), so
     * their notify events can be sent.
     */
    public Set<String> thingsChangedSince(Connection c, Instant since, Instant now)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT DISTINCT e.device_id FROM executions e"
                                + " JOIN aws_jobs j ON j.job_id = e.deployment_id"
                                + " WHERE e.updated_at >= ? OR (e.next_attempt_at >= ? AND e.next_attempt_at <= ?)")) {
            Sql.setInstant(ps, 1, since);
            Sql.setInstant(ps, 2, since);
            Sql.setInstant(ps, 3, now);
            Set<String> out = new LinkedHashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        }
    }

    /** Every thing with an execution of the job. */
    public List<String> thingsOf(Connection c, String jobId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT device_id FROM executions WHERE deployment_id = ? ORDER BY device_id")) {
            ps.setString(1, jobId);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        }
    }
}
