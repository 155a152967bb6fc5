package dev.meerkat.signing.audit;

import dev.meerkat.signing.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * SQL for the audit log: the chain head, appends and pages. Nothing here updates or deletes an
 * entry.
 */
@ApplicationScoped
public class AuditRepository {

    /** The newest entry's sequence number and hash (0 and the zero hash for an empty log). */
    public record Head(long seq, String hash) {}

    @Inject Database db;

    public Head head() {
        return db.tx(
                c -> {
                    try (PreparedStatement ps =
                                    c.prepareStatement(
                                            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
                            ResultSet rs = ps.executeQuery()) {
                        return rs.next()
                                ? new Head(rs.getLong(1), rs.getString(2))
                                : new Head(0, AuditEntry.GENESIS);
                    }
                });
    }

    /** Entries with {@code seq > after}, oldest first, at most {@code limit}. */
    public List<AuditEntry> page(long after, int limit) {
        return db.tx(
                c -> {
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT seq, at, actor, roles, action, key_id, key_version, artifact, decision, result, detail,"
                                            + " prev_hash, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?")) {
                        ps.setLong(1, after);
                        ps.setInt(2, limit);
                        List<AuditEntry> out = new ArrayList<>();
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                int kv = rs.getInt(7);
                                Integer keyVersion = rs.wasNull() ? null : kv;
                                out.add(
                                        new AuditEntry(
                                                rs.getLong(1),
                                                rs.getString(2),
                                                rs.getString(3),
                                                rs.getString(4),
                                                rs.getString(5),
                                                rs.getString(6),
                                                keyVersion,
                                                rs.getString(8),
                                                rs.getString(9),
                                                rs.getString(10),
                                                rs.getString(11),
                                                rs.getString(12),
                                                rs.getString(13)));
                            }
                        }
                        return out;
                    }
                });
    }

    private static final String INSERT =
            "INSERT INTO audit_log (seq, at, actor, roles, action, key_id,"
                    + " key_version, artifact, decision, result, detail, prev_hash, hash)"
                    + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)";

    /** Appends one entry on {@code c}, inside the caller's transaction. */
    public void insert(Connection c, AuditEntry e) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            bind(ps, e);
            ps.executeUpdate();
        }
    }

    /**
     * Appends entries on {@code c} as one JDBC batch (one statement, one round trip where the
     * driver allows), inside the caller's transaction.
     */
    public void insertAll(Connection c, List<AuditEntry> entries) throws SQLException {
        if (entries.isEmpty()) return;
        if (entries.size() == 1) {
            insert(c, entries.get(0));
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            for (AuditEntry e : entries) {
                bind(ps, e);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void bind(PreparedStatement ps, AuditEntry e) throws SQLException {
        ps.setLong(1, e.seq());
        ps.setString(2, e.at());
        ps.setString(3, e.actor());
        ps.setString(4, e.roles());
        ps.setString(5, e.action());
        ps.setString(6, e.keyId());
        if (e.keyVersion() == null) ps.setNull(7, Types.INTEGER);
        else ps.setInt(7, e.keyVersion());
        ps.setString(8, e.artifact());
        ps.setString(9, e.decision());
        ps.setString(10, e.result());
        ps.setString(11, e.detail());
        ps.setString(12, e.prevHash());
        ps.setString(13, e.hash());
    }

    /** Runs {@code work} in one transaction of the store. */
    public <T> T tx(Database.SqlWork<T> work) {
        return db.tx(work);
    }
}
