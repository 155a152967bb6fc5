package dev.meerkat.fleet.aws;

import dev.meerkat.fleet.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/**
 * Rows of {@code aws_certificates} and {@code aws_policy_targets}, and a thing's certificate (the
 * device's certificate fingerprint: AWS's certificate id is the SHA-256 of its DER, as ours is).
 */
@ApplicationScoped
public class AwsRegistryRepository {

    /** A registered certificate. */
    public record Certificate(String id, String pem, String status, Instant createdAt) {}

    public boolean insertCertificate(Connection c, Certificate cert) throws SQLException {
        if (certificate(c, cert.id()).isPresent()) return false;
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO aws_certificates (certificate_id, pem, status, created_at)"
                                + " VALUES (?, ?, ?, ?)")) {
            ps.setString(1, cert.id());
            ps.setString(2, cert.pem());
            ps.setString(3, cert.status());
            Sql.setInstant(ps, 4, cert.createdAt());
            return ps.executeUpdate() == 1;
        }
    }

    public Optional<Certificate> certificate(Connection c, String id) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT * FROM aws_certificates WHERE certificate_id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(
                        new Certificate(
                                rs.getString("certificate_id"),
                                rs.getString("pem"),
                                rs.getString("status"),
                                Sql.instant(rs, "created_at")));
            }
        }
    }

    /** Attaches (idempotently) a policy name to a target ARN. */
    public void attachPolicy(Connection c, String policy, String target) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO aws_policy_targets (policy_name, target) SELECT ?, ? WHERE NOT"
                                + " EXISTS (SELECT 1 FROM aws_policy_targets WHERE policy_name = ? AND target = ?)")) {
            ps.setString(1, policy);
            ps.setString(2, target);
            ps.setString(3, policy);
            ps.setString(4, target);
            ps.executeUpdate();
        }
    }

    /** Makes the certificate the thing's device identity. */
    public void setThingCertificate(Connection c, String thingName, String certificateId)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE devices SET cert_fingerprint = ? WHERE id = ?")) {
            ps.setString(1, certificateId);
            ps.setString(2, thingName);
            ps.executeUpdate();
        }
    }
}
