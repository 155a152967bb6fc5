package dev.meerkat.fleet.gcp;

import dev.meerkat.fleet.audit.AuditLog;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The Cloud IoT Core device-manager use cases. Every change commits together with its audit entry;
 * the bridge ({@link DeviceLink}) hears about it only after the commit.
 */
@ApplicationScoped
public class IotCoreService {
    public static final int MAX_PAGE = 10_000;
    public static final int MAX_COMMAND_BYTES = 256 * 1024;

    @Inject Database db;

    @Inject IotCoreRepository repo;

    @Inject AuditLog audit;

    @Inject Instance<DeviceLink> links;

    @Inject Instance<StateListener> stateListeners;

    private final SecureRandom random = new SecureRandom();

    /** One page of a listing and the token for the next one (empty when this was the last page). */
    public record Page<T>(List<T> items, String nextPageToken) {}

    // ---- registries

    public Registry createRegistry(Caller caller, Registry r) {
        return db.tx(
                c -> {
                    if (repo.registry(c, r.name()).isPresent()) {
                        throw new IotCoreException(
                                RpcCode.ALREADY_EXISTS, "registry " + r.name() + " already exists");
                    }
                    repo.insert(c, r);
                    audit.record(c, caller, "iot-core registry create", r.name().toString(), null);
                    return r;
                });
    }

    public Registry registry(RegistryName name) {
        return db.tx(c -> registry(c, name));
    }

    public Page<Registry> registries(
            String project, String location, int pageSize, String pageToken) {
        int size = pageSize(pageSize);
        return db.tx(
                c ->
                        page(
                                repo.registries(c, project, location, pageToken, size + 1),
                                size,
                                r -> r.name().registry()));
    }

    public Registry updateRegistry(
            Caller caller, RegistryName name, UnaryOperator<Registry> change, String mask) {
        return db.tx(
                c -> {
                    Registry updated = change.apply(registry(c, name));
                    repo.update(c, updated);
                    audit.record(
                            c,
                            caller,
                            "iot-core registry patch",
                            name.toString(),
                            "updateMask=" + mask);
                    return updated;
                });
    }

    public void deleteRegistry(Caller caller, RegistryName name) {
        db.tx(
                c -> {
                    registry(c, name);
                    if (repo.hasDevices(c, name)) {
                        throw new IotCoreException(
                                RpcCode.FAILED_PRECONDITION,
                                "registry " + name + " still has devices; delete them first");
                    }
                    repo.delete(c, name);
                    audit.record(c, caller, "iot-core registry delete", name.toString(), null);
                    return null;
                });
    }

    // ---- devices

    /** Creates a device with config version 1 (empty), as Cloud IoT Core does. */
    public IotDevice createDevice(
            Caller caller,
            DeviceName name,
            List<DeviceCredential> credentials,
            boolean blocked,
            Map<String, String> metadata,
            int logLevel,
            int gatewayType,
            int gatewayAuth) {
        return db.tx(
                c -> {
                    registry(c, name.registry());
                    if (repo.device(c, name, false).isPresent()) {
                        throw new IotCoreException(
                                RpcCode.ALREADY_EXISTS, "device " + name + " already exists");
                    }
                    long numId;
                    do {
                        numId = random.nextLong() >>> 1;
                    } while (numId == 0 || repo.numIdTaken(c, numId));
                    Instant now = Instant.now();
                    IotDevice d =
                            new IotDevice(
                                    name,
                                    numId,
                                    credentials,
                                    blocked,
                                    metadata,
                                    logLevel,
                                    gatewayType,
                                    gatewayAuth,
                                    1,
                                    null,
                                    null,
                                    null,
                                    null,
                                    null);
                    repo.insert(c, d);
                    repo.insert(c, name, new DeviceConfig(1, now, null, new byte[0]));
                    audit.record(
                            c,
                            caller,
                            "iot-core device create",
                            name.toString(),
                            credentials.size() + " credential(s)");
                    return d;
                });
    }

    public IotDevice device(DeviceName name) {
        return db.tx(c -> device(c, name, false));
    }

    public Optional<IotDevice> findDevice(DeviceName name) {
        return db.tx(
                c ->
                        repo.registry(c, name.registry()).isEmpty()
                                ? Optional.<IotDevice>empty()
                                : repo.device(c, name, false));
    }

    /**
     * True when no other registry has a device with this id: the bridge's topics ({@code
     * /devices/{id}/...}) name the id alone, so only then are they unambiguous.
     */
    public boolean deviceIdUnique(String deviceId) {
        return db.tx(c -> repo.registriesWithDevice(c, deviceId) <= 1);
    }

    public Page<IotDevice> devices(RegistryName registry, int pageSize, String pageToken) {
        int size = pageSize(pageSize);
        return db.tx(
                c -> {
                    registry(c, registry);
                    return page(
                            repo.devices(c, registry, pageToken, size + 1),
                            size,
                            d -> d.name().device());
                });
    }

    public IotDevice updateDevice(
            Caller caller, DeviceName name, UnaryOperator<IotDevice> change, String mask) {
        IotDevice updated =
                db.tx(
                        c -> {
                            IotDevice d = change.apply(device(c, name, true));
                            repo.update(c, d);
                            audit.record(
                                    c,
                                    caller,
                                    "iot-core device patch",
                                    name.toString(),
                                    "updateMask=" + mask);
                            return d;
                        });
        links.forEach(l -> l.deviceChanged(name));
        return updated;
    }

    public void deleteDevice(Caller caller, DeviceName name) {
        db.tx(
                c -> {
                    device(c, name, true);
                    repo.delete(c, name);
                    audit.record(c, caller, "iot-core device delete", name.toString(), null);
                    return null;
                });
        links.forEach(l -> l.deviceChanged(name));
    }

    // ---- configs, states, commands

    /**
     * Stores a new config version. A non-zero {@code versionToUpdate} must equal the current
     * version, so concurrent writers cannot overwrite each other unknowingly.
     */
    public DeviceConfig modifyConfig(
            Caller caller, DeviceName name, long versionToUpdate, byte[] data) {
        if (data.length > DeviceConfig.MAX_BYTES) {
            throw IotCoreException.invalid(
                    "binaryData is " + data.length + " bytes; at most " + DeviceConfig.MAX_BYTES);
        }
        if (versionToUpdate < 0)
            throw IotCoreException.invalid("versionToUpdate must not be negative");
        DeviceConfig cfg =
                db.tx(
                        c -> {
                            IotDevice d = device(c, name, true);
                            if (versionToUpdate != 0 && versionToUpdate != d.configVersion()) {
                                throw new IotCoreException(
                                        RpcCode.FAILED_PRECONDITION,
                                        "the config version to update ("
                                                + versionToUpdate
                                                + ") is not the current version ("
                                                + d.configVersion()
                                                + ") of "
                                                + name);
                            }
                            DeviceConfig next =
                                    new DeviceConfig(
                                            d.configVersion() + 1, Instant.now(), null, data);
                            repo.insert(c, name, next);
                            repo.update(c, d.withConfigVersion(next.version()));
                            audit.record(
                                    c,
                                    caller,
                                    "iot-core config modify",
                                    name.toString(),
                                    "version " + next.version() + ", " + data.length + " bytes");
                            return next;
                        });
        links.forEach(l -> l.configChanged(name, cfg));
        return cfg;
    }

    public List<DeviceConfig> configVersions(DeviceName name, int numVersions) {
        int n =
                numVersions <= 0 || numVersions > DeviceConfig.KEPT_VERSIONS
                        ? DeviceConfig.KEPT_VERSIONS
                        : numVersions;
        return db.tx(
                c -> {
                    device(c, name, false);
                    return repo.configs(c, name, n);
                });
    }

    /** The latest config version, what a device receives when it subscribes. */
    public DeviceConfig currentConfig(DeviceName name) {
        return configVersions(name, 1).get(0);
    }

    public List<DeviceState> states(DeviceName name, int numStates) {
        int n = numStates <= 0 || numStates > DeviceState.KEPT ? DeviceState.KEPT : numStates;
        return db.tx(
                c -> {
                    device(c, name, false);
                    return repo.states(c, name, n);
                });
    }

    public void sendCommand(Caller caller, DeviceName name, String subfolder, byte[] data) {
        if (data.length > MAX_COMMAND_BYTES) {
            throw IotCoreException.invalid(
                    "binaryData is " + data.length + " bytes; at most " + MAX_COMMAND_BYTES);
        }
        if (subfolder != null
                && !subfolder.isEmpty()
                && !subfolder.matches("[a-zA-Z0-9._~%+-]+(/[a-zA-Z0-9._~%+-]+)*")) {
            throw IotCoreException.invalid("invalid subfolder '" + subfolder + "'");
        }
        db.tx(
                c -> {
                    IotDevice d = device(c, name, false);
                    if (d.blocked())
                        throw new IotCoreException(
                                RpcCode.FAILED_PRECONDITION, "device " + name + " is blocked");
                    audit.record(
                            c,
                            caller,
                            "iot-core command send",
                            name.toString(),
                            data.length + " bytes");
                    return null;
                });
        boolean sent = false;
        for (DeviceLink l : links)
            sent |= l.sendCommand(name, subfolder == null ? "" : subfolder, data);
        if (!sent)
            throw new IotCoreException(
                    RpcCode.FAILED_PRECONDITION, "device " + name + " is not connected");
    }

    // ---- what the bridge records

    public void recordState(DeviceName name, byte[] data) {
        if (data.length > DeviceConfig.MAX_BYTES)
            throw IotCoreException.invalid("state is larger than 64 KiB");
        db.tx(
                c -> {
                    IotDevice d = device(c, name, true);
                    Instant now = Instant.now();
                    repo.insert(c, name, new DeviceState(now, data));
                    repo.update(c, d.stateReported(now));
                    return null;
                });
        stateListeners.forEach(l -> l.stateRecorded(name, data));
    }

    public void recordConfigAck(DeviceName name, long version) {
        db.tx(
                c -> {
                    IotDevice d = device(c, name, true);
                    Instant now = Instant.now();
                    if (repo.acknowledge(c, name, version, now)) {
                        repo.update(c, d.configAcknowledged(now));
                    }
                    return null;
                });
    }

    public void recordActivity(DeviceName name, boolean event, boolean configSent) {
        db.tx(
                c -> {
                    Optional<IotDevice> found = repo.device(c, name, true);
                    if (found.isEmpty()) return null;
                    IotDevice d = found.get();
                    Instant now = Instant.now();
                    repo.update(c, d.heardFrom(now, event, configSent));
                    return null;
                });
    }

    // ---- helpers

    private Registry registry(Connection c, RegistryName name) throws SQLException {
        return repo.registry(c, name)
                .orElseThrow(() -> IotCoreException.notFound("registry " + name + " not found"));
    }

    private IotDevice device(Connection c, DeviceName name, boolean forUpdate) throws SQLException {
        registry(c, name.registry());
        return repo.device(c, name, forUpdate)
                .orElseThrow(() -> IotCoreException.notFound("device " + name + " not found"));
    }

    private static int pageSize(int requested) {
        if (requested < 0) throw IotCoreException.invalid("pageSize must not be negative");
        return requested == 0 || requested > MAX_PAGE ? MAX_PAGE : requested;
    }

    private static <T> Page<T> page(
            List<T> fetched, int size, java.util.function.Function<T, String> key) {
        if (fetched.size() <= size) return new Page<>(fetched, "");
        List<T> items = fetched.subList(0, size);
        return new Page<>(List.copyOf(items), key.apply(items.get(size - 1)));
    }
}
