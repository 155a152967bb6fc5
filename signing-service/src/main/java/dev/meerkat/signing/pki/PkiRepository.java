package dev.meerkat.signing.pki;

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

/** SQL for the CA hierarchy and the device certificate inventory. */
@ApplicationScoped
public class PkiRepository {

    /** A CA as stored; {@code keyId} is null for a root whose key is kept offline. */
    public record CaRecord(
            String id,
            String kind,
            String keyId,
            Integer signerId,
            String state,
            String certPem,
            String csrPem,
            String subject,
            String createdBy,
            String createdAt) {}

    /** A device certificate as stored; {@code certDer} is base64. */
    public record DeviceCert(
            String serial,
            String chipSerial,
            String csrHash,
            String caId,
            String fingerprint,
            String notBefore,
            String notAfter,
            String certDer,
            String status,
            String revokedAt,
            String revocationReason,
            String issuedBy,
            String issuedAt) {}

    private static final String CA_COLUMNS =
            "id, kind, key_id, signer_id, state, cert_pem, csr_pem, subject, created_by,"
                    + " created_at";
    private static final String CERT_COLUMNS =
            "serial, chip_serial, csr_hash, ca_id, fingerprint, not_before, not_after,"
                    + " cert_der, status, revoked_at, revocation_reason, issued_by, issued_at";

    @Inject Database db;

    /** Inserts a CA on {@code c}, inside the caller's unit (the change and its audit entry). */
    public void insertCa(Connection c, CaRecord r) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO pki_ca (" + CA_COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?)")) {
            ps.setString(1, r.id());
            ps.setString(2, r.kind());
            ps.setString(3, r.keyId());
            if (r.signerId() == null) ps.setNull(4, Types.INTEGER);
            else ps.setInt(4, r.signerId());
            ps.setString(5, r.state());
            ps.setString(6, r.certPem());
            ps.setString(7, r.csrPem());
            ps.setString(8, r.subject());
            ps.setString(9, r.createdBy());
            ps.setString(10, r.createdAt());
            ps.executeUpdate();
        }
    }

    /**
     * Makes {@code id} the one active CA of its kind: other active ones of that kind become
     * superseded.
     */
    public void activate(Connection c, String id, String kind, String certPem) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE pki_ca SET state = 'superseded' WHERE kind = ? AND state = 'active' AND id <> ?")) {
            ps.setString(1, kind);
            ps.setString(2, id);
            ps.executeUpdate();
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE pki_ca SET state = 'active', cert_pem = ? WHERE id = ?")) {
            ps.setString(1, certPem);
            ps.setString(2, id);
            ps.executeUpdate();
        }
    }

    /** The newest CA of {@code kind} in {@code state}, or null. */
    public CaRecord latest(String kind, String state) {
        return db.tx(
                c -> {
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT "
                                            + CA_COLUMNS
                                            + " FROM pki_ca WHERE kind = ? AND state = ? ORDER BY created_at DESC, id DESC")) {
                        ps.setString(1, kind);
                        ps.setString(2, state);
                        try (ResultSet rs = ps.executeQuery()) {
                            return rs.next() ? ca(rs) : null;
                        }
                    }
                });
    }

    public List<CaRecord> allCas() {
        return db.tx(
                c -> {
                    List<CaRecord> out = new ArrayList<>();
                    try (PreparedStatement ps =
                                    c.prepareStatement(
                                            "SELECT "
                                                    + CA_COLUMNS
                                                    + " FROM pki_ca ORDER BY created_at, id");
                            ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) out.add(ca(rs));
                    }
                    return out;
                });
    }

    /**
     * Inserts a certificate; false if one for the same CSR exists already (a concurrent duplicate).
     */
    public boolean insertCert(DeviceCert d) {
        try {
            db.tx(
                    c -> {
                        insertCert(c, d);
                        return null;
                    });
            return true;
        } catch (Database.StoreException e) {
            if (isUniqueViolation(e)) return false;
            throw e;
        }
    }

    /**
     * In one transaction: the certificate already issued for the same request ({@code csrHash}), or
     * else {@code d}, inserted (the very object is returned). Null when the insert conflicts with a
     * certificate for another request (the same key under another chip serial number).
     */
    public DeviceCert insertUnlessIssued(DeviceCert d) {
        try {
            if ("postgresql".equals(db.kind())) {
                // One statement, one round trip: a row for the same request is left alone and read
                // back.
                int inserted =
                        db.autocommit(
                                c -> {
                                    try (PreparedStatement ps =
                                            c.prepareStatement(
                                                    INSERT_CERT
                                                            + " ON CONFLICT (csr_hash) DO NOTHING")) {
                                        bind(ps, d);
                                        return ps.executeUpdate();
                                    }
                                });
                return inserted == 1 ? d : byCsrHash(d.csrHash());
            }
            return db.tx(
                    c -> {
                        DeviceCert existing = one(c, "csr_hash", d.csrHash());
                        if (existing != null) return existing;
                        insertCert(c, d);
                        return d;
                    });
        } catch (Database.StoreException e) {
            if (isUniqueViolation(e)) return byCsrHash(d.csrHash());
            throw e;
        }
    }

    /** The certificate issued for the request {@code csrHash}, read on {@code c}. */
    public DeviceCert byCsrHash(java.sql.Connection c, String csrHash) throws SQLException {
        return one(c, "csr_hash", csrHash);
    }

    public DeviceCert bySerial(java.sql.Connection c, String serial) throws SQLException {
        return one(c, "serial", serial);
    }

    /** The chip's active (not revoked) certificates, read on {@code c}. */
    public List<DeviceCert> activeForChip(java.sql.Connection c, String chipSerial)
            throws SQLException {
        List<DeviceCert> out = new ArrayList<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT "
                                + CERT_COLUMNS
                                + " FROM device_cert WHERE chip_serial = ? AND status = 'active' ORDER BY issued_at")) {
            ps.setString(1, chipSerial);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(cert(rs));
            }
        }
        return out;
    }

    /** Inserts a certificate on {@code c}. */
    public void insert(java.sql.Connection c, DeviceCert d) throws SQLException {
        insertCert(c, d);
    }

    /**
     * Frees a revoked certificate's request hash (it becomes {@code retiredHash}) so the same chip
     * and key can be certified again on renewal; the old certificate stays in the inventory,
     * revoked.
     */
    public void retireRequest(java.sql.Connection c, String serial, String retiredHash)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE device_cert SET csr_hash = ? WHERE serial = ?")) {
            ps.setString(1, retiredHash);
            ps.setString(2, serial);
            ps.executeUpdate();
        }
    }

    /** Marks a certificate revoked on {@code c}; false if it was revoked already. */
    public boolean revoke(java.sql.Connection c, String serial, String at, String reason)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE device_cert SET status = 'revoked', revoked_at = ?,"
                                + " revocation_reason = ? WHERE serial = ? AND status <> 'revoked'")) {
            ps.setString(1, at);
            ps.setString(2, reason);
            ps.setString(3, serial);
            return ps.executeUpdate() == 1;
        }
    }

    private static boolean isUniqueViolation(Database.StoreException e) {
        return e.getCause() instanceof SQLException sql
                && sql.getSQLState() != null
                && sql.getSQLState().startsWith("23");
    }

    private static final String INSERT_CERT =
            "INSERT INTO device_cert (" + CERT_COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)";

    private static void insertCert(java.sql.Connection c, DeviceCert d) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_CERT)) {
            bind(ps, d);
            ps.executeUpdate();
        }
    }

    private static void bind(PreparedStatement ps, DeviceCert d) throws SQLException {
        ps.setString(1, d.serial());
        ps.setString(2, d.chipSerial());
        ps.setString(3, d.csrHash());
        ps.setString(4, d.caId());
        ps.setString(5, d.fingerprint());
        ps.setString(6, d.notBefore());
        ps.setString(7, d.notAfter());
        ps.setString(8, d.certDer());
        ps.setString(9, d.status());
        ps.setString(10, d.revokedAt());
        ps.setString(11, d.revocationReason());
        ps.setString(12, d.issuedBy());
        ps.setString(13, d.issuedAt());
    }

    public DeviceCert byCsrHash(String hash) {
        return one("csr_hash", hash);
    }

    public DeviceCert bySerial(String serial) {
        return one("serial", serial);
    }

    private DeviceCert one(String column, String value) {
        return db.tx(c -> one(c, column, value));
    }

    private static DeviceCert one(java.sql.Connection c, String column, String value)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT " + CERT_COLUMNS + " FROM device_cert WHERE " + column + " = ?")) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? cert(rs) : null;
            }
        }
    }

    /**
     * Certificates of a chip (or with this certificate serial); all of them, newest first, when
     * {@code serial} is null.
     */
    public List<DeviceCert> find(String serial, String status, int limit) {
        StringBuilder sql =
                new StringBuilder("SELECT " + CERT_COLUMNS + " FROM device_cert WHERE 1 = 1");
        List<String> args = new ArrayList<>();
        if (serial != null) {
            sql.append(" AND (chip_serial = ? OR serial = ?)");
            args.add(serial);
            args.add(serial);
        }
        if (status != null) {
            sql.append(" AND status = ?");
            args.add(status);
        }
        sql.append(" ORDER BY issued_at DESC, serial");
        return db.tx(
                c -> {
                    List<DeviceCert> out = new ArrayList<>();
                    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                        ps.setMaxRows(limit);
                        for (int i = 0; i < args.size(); i++) ps.setString(i + 1, args.get(i));
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) out.add(cert(rs));
                        }
                    }
                    return out;
                });
    }

    /** Marks a certificate revoked; false if it was revoked already. */
    public boolean revoke(String serial, String at, String reason) {
        return db.tx(
                c -> {
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "UPDATE device_cert SET status = 'revoked', revoked_at = ?,"
                                            + " revocation_reason = ? WHERE serial = ? AND status <> 'revoked'")) {
                        ps.setString(1, at);
                        ps.setString(2, reason);
                        ps.setString(3, serial);
                        return ps.executeUpdate() == 1;
                    }
                });
    }

    /** Revoked certificates issued by {@code caId}. */
    public List<DeviceCert> revoked(String caId) {
        return db.tx(
                c -> {
                    List<DeviceCert> out = new ArrayList<>();
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT "
                                            + CERT_COLUMNS
                                            + " FROM device_cert WHERE status = 'revoked' AND ca_id = ? ORDER BY serial")) {
                        ps.setString(1, caId);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) out.add(cert(rs));
                        }
                    }
                    return out;
                });
    }

    private static CaRecord ca(ResultSet rs) throws SQLException {
        int signer = rs.getInt(4);
        Integer signerId = rs.wasNull() ? null : signer;
        return new CaRecord(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                signerId,
                rs.getString(5),
                rs.getString(6),
                rs.getString(7),
                rs.getString(8),
                rs.getString(9),
                rs.getString(10));
    }

    private static DeviceCert cert(ResultSet rs) throws SQLException {
        return new DeviceCert(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                rs.getString(7),
                rs.getString(8),
                rs.getString(9),
                rs.getString(10),
                rs.getString(11),
                rs.getString(12),
                rs.getString(13));
    }
}
