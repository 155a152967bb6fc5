package dev.meerkat.fleet.gcp;

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
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * SQL for registries, devices, config versions and states; every method runs inside the caller's
 * transaction.
 */
@ApplicationScoped
public class IotCoreRepository {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEVICE_COLUMNS =
            "registry, id, num_id, credentials, blocked, metadata, log_level,"
                    + " gateway_type, gateway_auth, config_version, last_heartbeat_time, last_event_time, last_state_time,"
                    + " last_config_ack, last_config_send";

    /** A stored credential, as the credentials column holds it. */
    record StoredCredential(String format, String key, String expiration) {}

    // ---- registries

    public void insert(Connection c, Registry r) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO iot_registries (name, parent, id, mqtt_state,"
                                + " http_state, log_level, notifications, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, r.name().toString());
            ps.setString(2, r.name().parent());
            ps.setString(3, r.name().registry());
            ps.setInt(4, r.mqttState());
            ps.setInt(5, r.httpState());
            ps.setInt(6, r.logLevel());
            ps.setString(7, r.notificationsJson());
            Sql.setInstant(ps, 8, Instant.now());
            ps.executeUpdate();
        }
    }

    public void update(Connection c, Registry r) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE iot_registries SET mqtt_state = ?, http_state = ?,"
                                + " log_level = ?, notifications = ? WHERE name = ?")) {
            ps.setInt(1, r.mqttState());
            ps.setInt(2, r.httpState());
            ps.setInt(3, r.logLevel());
            ps.setString(4, r.notificationsJson());
            ps.setString(5, r.name().toString());
            ps.executeUpdate();
        }
    }

    public Optional<Registry> registry(Connection c, RegistryName name) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT * FROM iot_registries WHERE name = ?")) {
            ps.setString(1, name.toString());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(registry(rs, name)) : Optional.empty();
            }
        }
    }

    /** Registries of {@code parent} with ids after {@code afterId}, in id order. */
    public List<Registry> registries(
            Connection c, String project, String location, String afterId, int limit)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT * FROM iot_registries WHERE parent = ? AND id > ? ORDER BY id LIMIT ?")) {
            ps.setString(1, "projects/" + project + "/locations/" + location);
            ps.setString(2, afterId);
            ps.setInt(3, limit);
            List<Registry> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next())
                    out.add(registry(rs, new RegistryName(project, location, rs.getString("id"))));
            }
            return out;
        }
    }

    public boolean hasDevices(Connection c, RegistryName name) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT 1 FROM iot_devices WHERE registry = ? LIMIT 1")) {
            ps.setString(1, name.toString());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    public void delete(Connection c, RegistryName name) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("DELETE FROM iot_registries WHERE name = ?")) {
            ps.setString(1, name.toString());
            ps.executeUpdate();
        }
    }

    private static Registry registry(ResultSet rs, RegistryName name) throws SQLException {
        return new Registry(
                name,
                rs.getInt("mqtt_state"),
                rs.getInt("http_state"),
                rs.getInt("log_level"),
                rs.getString("notifications"));
    }

    // ---- devices

    public void insert(Connection c, IotDevice d) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO iot_devices ("
                                + DEVICE_COLUMNS
                                + ", created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            int i = bindDevice(ps, d);
            Sql.setInstant(ps, i, Instant.now());
            ps.executeUpdate();
        }
    }

    public void update(Connection c, IotDevice d) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE iot_devices SET credentials = ?, blocked = ?,"
                                + " metadata = ?, log_level = ?, gateway_type = ?, gateway_auth = ?, config_version = ?,"
                                + " last_heartbeat_time = ?, last_event_time = ?, last_state_time = ?, last_config_ack = ?,"
                                + " last_config_send = ? WHERE registry = ? AND id = ?")) {
            ps.setString(1, credentialsJson(d.credentials()));
            ps.setBoolean(2, d.blocked());
            ps.setString(3, json(d.metadata()));
            ps.setInt(4, d.logLevel());
            ps.setInt(5, d.gatewayType());
            ps.setInt(6, d.gatewayAuthMethod());
            ps.setLong(7, d.configVersion());
            Sql.setInstant(ps, 8, d.lastHeartbeatTime());
            Sql.setInstant(ps, 9, d.lastEventTime());
            Sql.setInstant(ps, 10, d.lastStateTime());
            Sql.setInstant(ps, 11, d.lastConfigAckTime());
            Sql.setInstant(ps, 12, d.lastConfigSendTime());
            ps.setString(13, d.name().registry().toString());
            ps.setString(14, d.name().device());
            ps.executeUpdate();
        }
    }

    public Optional<IotDevice> device(Connection c, DeviceName name, boolean forUpdate)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT "
                                + DEVICE_COLUMNS
                                + " FROM iot_devices WHERE registry = ? AND id = ?"
                                + (forUpdate ? " FOR UPDATE" : ""))) {
            ps.setString(1, name.registry().toString());
            ps.setString(2, name.device());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(device(rs, name.registry())) : Optional.empty();
            }
        }
    }

    /** How many registries hold a device with this id (the MQTT topics name the id alone). */
    public int registriesWithDevice(Connection c, String deviceId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT COUNT(*) FROM iot_devices WHERE id = ?")) {
            ps.setString(1, deviceId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    public boolean numIdTaken(Connection c, long numId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT 1 FROM iot_devices WHERE num_id = ?")) {
            ps.setLong(1, numId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    public List<IotDevice> devices(Connection c, RegistryName registry, String afterId, int limit)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT "
                                + DEVICE_COLUMNS
                                + " FROM iot_devices WHERE registry = ? AND id > ? ORDER BY id LIMIT ?")) {
            ps.setString(1, registry.toString());
            ps.setString(2, afterId);
            ps.setInt(3, limit);
            List<IotDevice> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(device(rs, registry));
            }
            return out;
        }
    }

    public void delete(Connection c, DeviceName name) throws SQLException {
        for (String table : List.of("iot_device_configs", "iot_device_states")) {
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "DELETE FROM " + table + " WHERE registry = ? AND device_id = ?")) {
                ps.setString(1, name.registry().toString());
                ps.setString(2, name.device());
                ps.executeUpdate();
            }
        }
        try (PreparedStatement ps =
                c.prepareStatement("DELETE FROM iot_devices WHERE registry = ? AND id = ?")) {
            ps.setString(1, name.registry().toString());
            ps.setString(2, name.device());
            ps.executeUpdate();
        }
    }

    private int bindDevice(PreparedStatement ps, IotDevice d) throws SQLException {
        ps.setString(1, d.name().registry().toString());
        ps.setString(2, d.name().device());
        ps.setLong(3, d.numId());
        ps.setString(4, credentialsJson(d.credentials()));
        ps.setBoolean(5, d.blocked());
        ps.setString(6, json(d.metadata()));
        ps.setInt(7, d.logLevel());
        ps.setInt(8, d.gatewayType());
        ps.setInt(9, d.gatewayAuthMethod());
        ps.setLong(10, d.configVersion());
        Sql.setInstant(ps, 11, d.lastHeartbeatTime());
        Sql.setInstant(ps, 12, d.lastEventTime());
        Sql.setInstant(ps, 13, d.lastStateTime());
        Sql.setInstant(ps, 14, d.lastConfigAckTime());
        Sql.setInstant(ps, 15, d.lastConfigSendTime());
        return 16;
    }

    private static IotDevice device(ResultSet rs, RegistryName registry) throws SQLException {
        return new IotDevice(
                registry.device(rs.getString("id")),
                rs.getLong("num_id"),
                credentials(rs.getString("credentials")),
                rs.getBoolean("blocked"),
                metadata(rs.getString("metadata")),
                rs.getInt("log_level"),
                rs.getInt("gateway_type"),
                rs.getInt("gateway_auth"),
                rs.getLong("config_version"),
                Sql.instant(rs, "last_heartbeat_time"),
                Sql.instant(rs, "last_event_time"),
                Sql.instant(rs, "last_state_time"),
                Sql.instant(rs, "last_config_ack"),
                Sql.instant(rs, "last_config_send"));
    }

    // ---- configs

    public void insert(Connection c, DeviceName name, DeviceConfig cfg) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO iot_device_configs (registry, device_id, version,"
                                + " cloud_update_time, device_ack_time, binary_data) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, name.registry().toString());
            ps.setString(2, name.device());
            ps.setLong(3, cfg.version());
            Sql.setInstant(ps, 4, cfg.cloudUpdateTime());
            Sql.setInstant(ps, 5, cfg.deviceAckTime());
            ps.setString(6, Base64.getEncoder().encodeToString(cfg.binaryData()));
            ps.executeUpdate();
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "DELETE FROM iot_device_configs WHERE registry = ?"
                                + " AND device_id = ? AND version <= ?")) {
            ps.setString(1, name.registry().toString());
            ps.setString(2, name.device());
            ps.setLong(3, cfg.version() - DeviceConfig.KEPT_VERSIONS);
            ps.executeUpdate();
        }
    }

    /**
     * Marks {@code version} acknowledged; false when it is no longer kept or was already
     * acknowledged.
     */
    public boolean acknowledge(Connection c, DeviceName name, long version, Instant at)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE iot_device_configs SET device_ack_time = ?"
                                + " WHERE registry = ? AND device_id = ? AND version = ? AND device_ack_time IS NULL")) {
            Sql.setInstant(ps, 1, at);
            ps.setString(2, name.registry().toString());
            ps.setString(3, name.device());
            ps.setLong(4, version);
            return ps.executeUpdate() == 1;
        }
    }

    /** Newest first. */
    public List<DeviceConfig> configs(Connection c, DeviceName name, int limit)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT version, cloud_update_time, device_ack_time, binary_data"
                                + " FROM iot_device_configs WHERE registry = ? AND device_id = ? ORDER BY version DESC LIMIT ?")) {
            ps.setString(1, name.registry().toString());
            ps.setString(2, name.device());
            ps.setInt(3, limit);
            List<DeviceConfig> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(
                            new DeviceConfig(
                                    rs.getLong("version"),
                                    Sql.instant(rs, "cloud_update_time"),
                                    Sql.instant(rs, "device_ack_time"),
                                    Base64.getDecoder().decode(rs.getString("binary_data"))));
                }
            }
            return out;
        }
    }

    // ---- states

    public void insert(Connection c, DeviceName name, DeviceState s) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO iot_device_states (registry, device_id,"
                                + " update_time, binary_data) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, name.registry().toString());
            ps.setString(2, name.device());
            Sql.setInstant(ps, 3, s.updateTime());
            ps.setString(4, Base64.getEncoder().encodeToString(s.binaryData()));
            ps.executeUpdate();
        }
        // Keep the newest KEPT reports only.
        try (PreparedStatement ps =
                c.prepareStatement(
                        "DELETE FROM iot_device_states WHERE registry = ? AND device_id = ?"
                                + " AND seq NOT IN (SELECT seq FROM iot_device_states WHERE registry = ? AND device_id = ?"
                                + " ORDER BY seq DESC LIMIT "
                                + DeviceState.KEPT
                                + ")")) {
            for (int i = 0; i < 2; i++) {
                ps.setString(1 + 2 * i, name.registry().toString());
                ps.setString(2 + 2 * i, name.device());
            }
            ps.executeUpdate();
        }
    }

    /** Newest first. */
    public List<DeviceState> states(Connection c, DeviceName name, int limit) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT update_time, binary_data FROM iot_device_states"
                                + " WHERE registry = ? AND device_id = ? ORDER BY seq DESC LIMIT ?")) {
            ps.setString(1, name.registry().toString());
            ps.setString(2, name.device());
            ps.setInt(3, limit);
            List<DeviceState> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(
                            new DeviceState(
                                    Sql.instant(rs, "update_time"),
                                    Base64.getDecoder().decode(rs.getString("binary_data"))));
                }
            }
            return out;
        }
    }

    // ---- JSON columns

    private static String credentialsJson(List<DeviceCredential> creds) {
        return json(
                creds.stream()
                        .map(
                                c ->
                                        new StoredCredential(
                                                c.format().name(),
                                                c.pem(),
                                                c.expiration().map(Instant::toString).orElse(null)))
                        .toList());
    }

    private static List<DeviceCredential> credentials(String json) {
        try {
            List<StoredCredential> stored =
                    JSON.readValue(json, new TypeReference<List<StoredCredential>>() {});
            return stored.stream()
                    .map(
                            s ->
                                    DeviceCredential.of(
                                            PublicKeyFormat.valueOf(s.format()),
                                            s.key(),
                                            Optional.ofNullable(s.expiration())
                                                    .map(Instant::parse)))
                    .toList();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored credentials are not JSON", e);
        }
    }

    private static Map<String, String> metadata(String json) {
        try {
            return JSON.readValue(json, new TypeReference<LinkedHashMap<String, String>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored metadata is not JSON", e);
        }
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
