package dev.meerkat.signing.keys;

import dev.meerkat.signing.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * SQL for the key aggregate: a key ({@code signing_key}) and its versions ({@code key_version}).
 */
@ApplicationScoped
public class KeyRepository {

    @Inject Database db;

    /** Stores a new key with its first version, on {@code c} (inside the caller's transaction). */
    public void insert(Connection c, KeyRecord k, KeyRecord.Version first) throws SQLException {
        {
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "INSERT INTO signing_key (id, key_type, purpose, backend,"
                                    + " production, approvals_required, state, current_version, description, created_by, created_at,"
                                    + " updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")) {
                ps.setString(1, k.id());
                ps.setString(2, k.type());
                ps.setString(3, k.purpose());
                ps.setString(4, k.backend());
                ps.setBoolean(5, k.production());
                ps.setInt(6, k.approvalsRequired());
                ps.setString(7, k.state());
                ps.setInt(8, k.currentVersion());
                ps.setString(9, k.description());
                ps.setString(10, k.createdBy());
                ps.setString(11, k.createdAt());
                ps.setString(12, k.updatedAt());
                ps.executeUpdate();
            }
            insertVersion(c, k.id(), first);
        }
    }

    /**
     * Adds version {@code next} and makes it current, if {@code expectedCurrent} is still the
     * current version: false when another rotation got there first (nothing is changed then).
     */
    public boolean rotate(
            Connection c, String id, int expectedCurrent, KeyRecord.Version next, String now)
            throws SQLException {
        {
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "UPDATE signing_key SET current_version = ?, updated_at = ? WHERE id = ? AND current_version = ?")) {
                ps.setInt(1, next.version());
                ps.setString(2, now);
                ps.setString(3, id);
                ps.setInt(4, expectedCurrent);
                if (ps.executeUpdate() != 1) return false;
            }
            insertVersion(c, id, next);
            update(
                    c,
                    "UPDATE key_version SET state = ? WHERE key_id = ? AND version = ?",
                    KeyState.VERIFY_ONLY,
                    id,
                    expectedCurrent);
            return true;
        }
    }

    /**
     * Sets the key's state; a compromised key's versions all become compromised, a retired key's
     * active one retired.
     */
    public void setState(Connection c, String id, String state, String now) throws SQLException {
        {
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "UPDATE signing_key SET state = ?, updated_at = ? WHERE id = ?")) {
                ps.setString(1, state);
                ps.setString(2, now);
                ps.setString(3, id);
                ps.executeUpdate();
            }
            if (KeyState.COMPROMISED.equals(state)) {
                update(
                        c,
                        "UPDATE key_version SET state = ? WHERE key_id = ? AND version > ?",
                        state,
                        id,
                        0);
            } else {
                update(
                        c,
                        "UPDATE key_version SET state = ? WHERE key_id = ? AND state = 'active' AND version > ?",
                        state,
                        id,
                        0);
            }
        }
    }

    public KeyRecord find(String id) {
        return db.tx(c -> load(c, id));
    }

    public List<KeyRecord> all() {
        return db.tx(
                c -> {
                    List<String> ids = new ArrayList<>();
                    try (PreparedStatement ps =
                                    c.prepareStatement("SELECT id FROM signing_key ORDER BY id");
                            ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) ids.add(rs.getString(1));
                    }
                    List<KeyRecord> out = new ArrayList<>();
                    for (String i : ids) out.add(load(c, i));
                    return out;
                });
    }

    /** True for a failure caused by a constraint (a key id or alias that exists already). */
    public static boolean isDuplicate(Throwable e) {
        return e != null
                && e.getCause() instanceof SQLException sql
                && sql.getSQLState() != null
                && sql.getSQLState().startsWith("23");
    }

    private static void update(Connection c, String sql, String state, String id, int version)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, state);
            ps.setString(2, id);
            ps.setInt(3, version);
            ps.executeUpdate();
        }
    }

    private static void insertVersion(Connection c, String id, KeyRecord.Version v)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO key_version (key_id, version, alias, public_pem,"
                                + " key_hash, state, created_at) VALUES (?,?,?,?,?,?,?)")) {
            ps.setString(1, id);
            ps.setInt(2, v.version());
            ps.setString(3, v.alias());
            ps.setString(4, v.publicPem());
            ps.setString(5, v.keyHash());
            ps.setString(6, v.state());
            ps.setString(7, v.createdAt());
            ps.executeUpdate();
        }
    }

    private static KeyRecord load(Connection c, String id) throws SQLException {
        List<KeyRecord.Version> versions = new ArrayList<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT version, key_hash, state, created_at, alias, public_pem"
                                + " FROM key_version WHERE key_id = ? ORDER BY version")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    versions.add(
                            new KeyRecord.Version(
                                    rs.getInt(1),
                                    rs.getString(2),
                                    rs.getString(3),
                                    rs.getString(4),
                                    rs.getString(5),
                                    rs.getString(6)));
                }
            }
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT id, key_type, purpose, backend, production,"
                                + " approvals_required, state, current_version, description, created_by, created_at, updated_at"
                                + " FROM signing_key WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return null;
                return new KeyRecord(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getBoolean(5),
                        rs.getInt(6),
                        rs.getString(7),
                        rs.getInt(8),
                        rs.getString(9),
                        rs.getString(10),
                        rs.getString(11),
                        rs.getString(12),
                        List.copyOf(versions));
            }
        }
    }
}
