package dev.meerkat.fleet.release;

import dev.meerkat.fleet.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Rows of {@code releases}. */
@ApplicationScoped
public class ReleaseRepository {
    private static final String COLUMNS =
            "id, format, version, security_counter, platform, size_bytes, sha256, sha1, md5, image_hash,"
                    + " signer_key_hash, object_key, created_at, created_by";

    public void insert(Connection c, Release r) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO releases ("
                                + COLUMNS
                                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, r.id());
            ps.setString(2, r.format());
            ps.setString(3, r.version());
            if (r.securityCounter() == null) ps.setNull(4, Types.BIGINT);
            else ps.setLong(4, r.securityCounter());
            ps.setString(5, r.platform());
            ps.setLong(6, r.size());
            ps.setString(7, r.sha256());
            ps.setString(8, r.sha1());
            ps.setString(9, r.md5());
            ps.setString(10, r.imageHash());
            ps.setString(11, r.signerKeyHash());
            ps.setString(12, r.objectKey());
            Sql.setInstant(ps, 13, r.createdAt());
            ps.setString(14, r.createdBy());
            ps.executeUpdate();
        }
    }

    public Optional<Release> find(Connection c, String id) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT " + COLUMNS + " FROM releases WHERE id = ?")) {
            ps.setString(1, id);
            List<Release> l = list(ps);
            return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
        }
    }

    public List<Release> all(Connection c) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT " + COLUMNS + " FROM releases ORDER BY created_at, id")) {
            return list(ps);
        }
    }

    private static List<Release> list(PreparedStatement ps) throws SQLException {
        List<Release> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long sc = rs.getLong("security_counter");
                Long counter = rs.wasNull() ? null : sc;
                out.add(
                        new Release(
                                rs.getString("id"),
                                rs.getString("format"),
                                rs.getString("version"),
                                counter,
                                rs.getString("platform"),
                                rs.getLong("size_bytes"),
                                rs.getString("sha256"),
                                rs.getString("sha1"),
                                rs.getString("md5"),
                                rs.getString("image_hash"),
                                rs.getString("signer_key_hash"),
                                rs.getString("object_key"),
                                Sql.instant(rs, "created_at"),
                                rs.getString("created_by")));
            }
        }
        return out;
    }
}
