package dev.meerkat.signing.sign;

import dev.meerkat.signing.keys.PendingRequests;
import dev.meerkat.signing.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** SQL for the sign-request aggregate: a request against a production key and its approvals. */
@ApplicationScoped
public class SignRequestRepository implements PendingRequests {

    /** A request as stored; {@code signature} is base64 once signed. */
    public record SignRequest(
            String id,
            String keyId,
            int keyVersion,
            String algorithm,
            String digest,
            String requester,
            String requesterRoles,
            String state,
            int approvalsRequired,
            String signature,
            String reason,
            String createdAt,
            List<SignResult.Approval> approvals,
            String fileName,
            String imageVersion,
            Long imageSize) {}

    @Inject Database db;

    public void insert(Connection c, SignRequest r) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO sign_request (id, key_id, key_version,"
                                + " algorithm, digest, requester, requester_roles, state, approvals_required, created_at, file_name,"
                                + " image_version, image_size) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            ps.setString(1, r.id());
            ps.setString(2, r.keyId());
            ps.setInt(3, r.keyVersion());
            ps.setString(4, r.algorithm());
            ps.setString(5, r.digest());
            ps.setString(6, r.requester());
            ps.setString(7, r.requesterRoles());
            ps.setString(8, r.state());
            ps.setInt(9, r.approvalsRequired());
            ps.setString(10, r.createdAt());
            ps.setString(11, r.fileName());
            ps.setString(12, r.imageVersion());
            if (r.imageSize() == null) ps.setNull(13, java.sql.Types.BIGINT);
            else ps.setLong(13, r.imageSize());
            ps.executeUpdate();
        }
    }

    public SignRequest find(String id) {
        return db.tx(c -> load(c, id));
    }

    public List<SignRequest> all(String state) {
        return db.tx(
                c -> {
                    List<String> ids = new ArrayList<>();
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    state == null
                                            ? "SELECT id FROM sign_request ORDER BY created_at"
                                            : "SELECT id FROM sign_request WHERE state = ? ORDER BY created_at")) {
                        if (state != null) ps.setString(1, state);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) ids.add(rs.getString(1));
                        }
                    }
                    List<SignRequest> out = new ArrayList<>();
                    for (String i : ids) out.add(load(c, i));
                    return out;
                });
    }

    /**
     * The ids of pending requests against {@code keyId} version {@code version} for {@code digest},
     * oldest first.
     */
    public List<SignRequest> pendingFor(String keyId, int version, String digest) {
        return db.tx(
                c -> {
                    List<String> ids = new ArrayList<>();
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT id FROM sign_request WHERE key_id = ? AND key_version = ?"
                                            + " AND digest = ? AND state = 'pending' ORDER BY created_at")) {
                        ps.setString(1, keyId);
                        ps.setInt(2, version);
                        ps.setString(3, digest);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) ids.add(rs.getString(1));
                        }
                    }
                    List<SignRequest> out = new ArrayList<>();
                    for (String i : ids) out.add(load(c, i));
                    return out;
                });
    }

    public long countPending() {
        return db.tx(
                c -> {
                    try (PreparedStatement ps =
                                    c.prepareStatement(
                                            "SELECT COUNT(*) FROM sign_request WHERE state = 'pending'");
                            ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getLong(1);
                    }
                });
    }

    public void insertApproval(
            Connection c, String id, String approver, String decision, String comment, String now)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO approval (request_id, approver, decision,"
                                + " comment, decided_at) VALUES (?,?,?,?,?)")) {
            ps.setString(1, id);
            ps.setString(2, approver);
            ps.setString(3, decision);
            ps.setString(4, comment);
            ps.setString(5, now);
            ps.executeUpdate();
        }
    }

    public void finish(
            Connection c, String id, String state, String signature, String reason, String now)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE sign_request SET state = ?, signature = ?, reason = ?, decided_at = ? WHERE id = ?")) {
            ps.setString(1, state);
            ps.setString(2, signature);
            ps.setString(3, reason);
            ps.setString(4, now);
            ps.setString(5, id);
            ps.executeUpdate();
        }
    }

    @Override
    public List<String> cancelFor(Connection c, String keyId, String reason) throws SQLException {
        String now = Instant.now().toString();
        {
            List<String> cancelled = new ArrayList<>();
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "SELECT id FROM sign_request WHERE key_id = ? AND state = 'pending'")) {
                ps.setString(1, keyId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) cancelled.add(rs.getString(1));
                }
            }
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "UPDATE sign_request SET state = 'cancelled', reason = ?,"
                                    + " decided_at = ? WHERE key_id = ? AND state = 'pending'")) {
                ps.setString(1, reason);
                ps.setString(2, now);
                ps.setString(3, keyId);
                ps.executeUpdate();
            }
            return cancelled;
        }
    }

    /** The request with its approvals, read on {@code c} (inside the caller's transaction). */
    public SignRequest load(Connection c, String id) throws SQLException {
        List<SignResult.Approval> approvals = new ArrayList<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT approver, decision, comment, decided_at FROM approval"
                                + " WHERE request_id = ? ORDER BY decided_at, approver")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    approvals.add(
                            new SignResult.Approval(
                                    rs.getString(1),
                                    rs.getString(2),
                                    rs.getString(3),
                                    rs.getString(4)));
                }
            }
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT id, key_id, key_version, algorithm, digest, requester,"
                                + " requester_roles, state, approvals_required, signature, reason, created_at, file_name, image_version,"
                                + " image_size FROM sign_request WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return null;
                long size = rs.getLong(15);
                Long imageSize = rs.wasNull() ? null : size;
                return new SignRequest(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getInt(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7),
                        rs.getString(8),
                        rs.getInt(9),
                        rs.getString(10),
                        rs.getString(11),
                        rs.getString(12),
                        List.copyOf(approvals),
                        rs.getString(13),
                        rs.getString(14),
                        imageSize);
            }
        }
    }
}
