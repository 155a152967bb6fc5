package dev.meerkat.fleet.device;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.fleet.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Rows of {@code devices}; every method runs on the caller's connection (and transaction). */
@ApplicationScoped
public class DeviceRepository {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS =
            "id, cert_fingerprint, chip_serial, token_hash, attributes, reported_version,"
                    + " slot_state, last_seen, protocol, created_at";

    public boolean insert(Connection c, Device d, String tokenHash) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO devices ("
                                + COLUMNS
                                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, d.id());
            ps.setString(2, d.certFingerprint());
            ps.setString(3, d.chipSerial());
            ps.setString(4, tokenHash);
            ps.setString(5, json(d.attributes()));
            ps.setString(6, d.reportedVersion());
            ps.setString(7, d.slotState());
            Sql.setInstant(ps, 8, d.lastSeen());
            ps.setString(9, d.protocol());
            Sql.setInstant(ps, 10, d.createdAt());
            return ps.executeUpdate() == 1;
        }
    }

    public Optional<Device> find(Connection c, String id) throws SQLException {
        return one(c, "SELECT " + COLUMNS + " FROM devices WHERE id = ?", id);
    }

    public Optional<Device> byFingerprint(Connection c, String fingerprint) throws SQLException {
        return one(
                c, "SELECT " + COLUMNS + " FROM devices WHERE cert_fingerprint = ?", fingerprint);
    }

    public Optional<Device> byChipSerial(Connection c, String serial) throws SQLException {
        return one(c, "SELECT " + COLUMNS + " FROM devices WHERE chip_serial = ?", serial);
    }

    public Optional<String> tokenHash(Connection c, String id) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT token_hash FROM devices WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** Devices ordered by id, after {@code after} (keyset paging). */
    public List<Device> page(Connection c, String after, int limit) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT " + COLUMNS + " FROM devices WHERE id > ? ORDER BY id LIMIT ?")) {
            ps.setString(1, after == null ? "" : after);
            ps.setInt(2, limit);
            return list(ps);
        }
    }

    public List<Device> all(Connection c) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT " + COLUMNS + " FROM devices ORDER BY id")) {
            return list(ps);
        }
    }

    public void updateReport(
            Connection c,
            String id,
            String version,
            String slotState,
            String protocol,
            Instant seen)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE devices SET reported_version = COALESCE(?, reported_version),"
                                + " slot_state = COALESCE(?, slot_state), protocol = COALESCE(?, protocol), last_seen = ? WHERE id = ?")) {
            ps.setString(1, version);
            ps.setString(2, slotState);
            ps.setString(3, protocol);
            Sql.setInstant(ps, 4, seen);
            ps.setString(5, id);
            ps.executeUpdate();
        }
    }

    /** What a device said about itself when it was last heard from. */
    public record Seen(String id, String version, String slotState, String protocol) {}

    /** {@link #updateReport} for many devices, as one JDBC batch. */
    public void updateReports(Connection c, List<Seen> seen, Instant at) throws SQLException {
        if (seen.isEmpty()) return;
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE devices SET reported_version = COALESCE(?, reported_version),"
                                + " slot_state = COALESCE(?, slot_state), protocol = COALESCE(?, protocol), last_seen = ? WHERE id = ?")) {
            for (Seen s : seen) {
                ps.setString(1, s.version());
                ps.setString(2, s.slotState());
                ps.setString(3, s.protocol());
                Sql.setInstant(ps, 4, at);
                ps.setString(5, s.id());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    public void updateAttributes(Connection c, String id, Map<String, String> attrs)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE devices SET attributes = ? WHERE id = ?")) {
            ps.setString(1, json(attrs));
            ps.setString(2, id);
            ps.executeUpdate();
        }
    }

    private Optional<Device> one(Connection c, String sql, String arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            List<Device> l = list(ps);
            return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
        }
    }

    private static List<Device> list(PreparedStatement ps) throws SQLException {
        List<Device> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(
                        new Device(
                                rs.getString("id"),
                                rs.getString("cert_fingerprint"),
                                rs.getString("chip_serial"),
                                rs.getString("token_hash") != null,
                                attributes(rs.getString("attributes")),
                                rs.getString("reported_version"),
                                rs.getString("slot_state"),
                                Sql.instant(rs, "last_seen"),
                                rs.getString("protocol"),
                                Sql.instant(rs, "created_at")));
            }
        }
        return out;
    }

    static String json(Map<String, String> attrs) {
        try {
            return JSON.writeValueAsString(attrs);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> attributes(String json) {
        try {
            return JSON.readValue(json, new TypeReference<Map<String, String>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "corrupt attributes column: " + e.getOriginalMessage(), e);
        }
    }
}
