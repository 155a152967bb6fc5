package dev.meerkat.fleet.audit;

import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.store.Database;
import dev.meerkat.fleet.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The fleet's audit trail. An entry is written on the same connection, in the same transaction, as
 * the change it describes: either both commit or neither does.
 */
@ApplicationScoped
public class AuditLog {
    private static final int MAX_DETAIL = 2000;

    /** One recorded change or refusal. */
    public record Entry(
            long seq,
            Instant at,
            String actor,
            String roles,
            String action,
            String subject,
            String detail) {}

    @Inject Database db;

    /** Records an action inside the caller's transaction. */
    public void record(Connection c, Caller caller, String action, String subject, String detail)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO audit_log (at, actor, roles, action, subject, detail) VALUES (?, ?, ?, ?, ?, ?)")) {
            Sql.setInstant(ps, 1, Instant.now());
            ps.setString(2, caller.name());
            ps.setString(3, caller.roles());
            ps.setString(4, action);
            ps.setString(5, subject);
            ps.setString(
                    6,
                    detail == null || detail.length() <= MAX_DETAIL
                            ? detail
                            : detail.substring(0, MAX_DETAIL));
            ps.executeUpdate();
        }
    }

    /** An entry still to be written: who, what, on what, details. */
    public record Pending(Caller caller, String action, String subject, String detail) {}

    /** Records several actions inside the caller's transaction, as one JDBC batch. */
    public void recordAll(Connection c, List<Pending> entries) throws SQLException {
        if (entries.isEmpty()) return;
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO audit_log (at, actor, roles, action, subject, detail) VALUES (?, ?, ?, ?, ?, ?)")) {
            Instant now = Instant.now();
            for (Pending p : entries) {
                Sql.setInstant(ps, 1, now);
                ps.setString(2, p.caller().name());
                ps.setString(3, p.caller().roles());
                ps.setString(4, p.action());
                ps.setString(5, p.subject());
                ps.setString(
                        6,
                        p.detail() == null || p.detail().length() <= MAX_DETAIL
                                ? p.detail()
                                : p.detail().substring(0, MAX_DETAIL));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Records an action on its own (refused requests have no other change to join). */
    public void record(Caller caller, String action, String subject, String detail) {
        db.tx(
                c -> {
                    record(c, caller, action, subject, detail);
                    return null;
                });
    }

    /** Entries after {@code after}, oldest first. */
    public List<Entry> page(long after, int limit) {
        return db.tx(
                c -> {
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT seq, at, actor, roles, action, subject, detail"
                                            + " FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?")) {
                        ps.setLong(1, after);
                        ps.setInt(2, limit);
                        List<Entry> out = new ArrayList<>();
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                out.add(
                                        new Entry(
                                                rs.getLong("seq"),
                                                Sql.instant(rs, "at"),
                                                rs.getString("actor"),
                                                rs.getString("roles"),
                                                rs.getString("action"),
                                                rs.getString("subject"),
                                                rs.getString("detail")));
                            }
                        }
                        return out;
                    }
                });
    }
}
