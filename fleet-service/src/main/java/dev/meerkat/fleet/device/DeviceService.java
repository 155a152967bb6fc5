package dev.meerkat.fleet.device;

import dev.meerkat.fleet.audit.AuditLog;
import dev.meerkat.fleet.refusal.Refusal;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Use cases of the device registry: registration (one, or a factory journal), reports,
 * identification.
 */
@ApplicationScoped
public class DeviceService {
    public static final int MAX_IMPORT_LINES = 100_000;

    /**
     * What a registration asks for; {@code token} is shown once by the caller and stored only as a
     * hash.
     */
    public record Registration(
            String id,
            String certFingerprint,
            String chipSerial,
            String token,
            Map<String, String> attributes,
            String protocol) {}

    /**
     * How a device is reached: polling over HTTP (Mongoose or JSON), hawkBit DDI, mg_rpc over MQTT,
     * or Cloud IoT Core configs ({@code gcp}).
     */
    public static final java.util.Set<String> PROTOCOLS =
            java.util.Set.of("http", "ddi", "mqtt", "gcp");

    static String protocol(String p) {
        if (p != null && !PROTOCOLS.contains(p))
            throw Refusal.badRequest("protocol must be one of " + PROTOCOLS);
        return p;
    }

    /** Outcome of a journal import. */
    public record ImportResult(int registered, int alreadyKnown) {}

    @Inject Database db;

    @Inject DeviceRepository devices;

    @Inject AuditLog audit;

    public Device register(Caller caller, Registration r) {
        DeviceIds.name("device id", r.id());
        String fp = DeviceIds.fingerprint(r.certFingerprint());
        if (r.chipSerial() != null) DeviceIds.name("chip serial", r.chipSerial());
        Map<String, String> attrs = r.attributes() == null ? Map.of() : r.attributes();
        DeviceIds.attributes(attrs);
        if (fp == null && r.token() == null) {
            throw Refusal.badRequest("a device needs an identity: certFingerprint or token");
        }
        if (r.token() != null && (r.token().length() < 16 || r.token().length() > 256)) {
            throw Refusal.badRequest("token must be 16 to 256 characters");
        }
        Device d =
                new Device(
                        r.id(),
                        fp,
                        r.chipSerial(),
                        r.token() != null,
                        attrs,
                        null,
                        null,
                        null,
                        protocol(r.protocol()),
                        Instant.now());
        return db.tx(
                c -> {
                    if (devices.find(c, d.id()).isPresent()) {
                        throw Refusal.conflict(
                                "Device exists", "device " + d.id() + " is already registered");
                    }
                    if (fp != null && devices.byFingerprint(c, fp).isPresent()) {
                        throw Refusal.conflict(
                                "Identity in use", "another device has certificate " + fp);
                    }
                    if (r.chipSerial() != null
                            && devices.byChipSerial(c, r.chipSerial()).isPresent()) {
                        throw Refusal.conflict(
                                "Identity in use",
                                "another device has chip serial " + r.chipSerial());
                    }
                    devices.insert(c, d, r.token() == null ? null : tokenHash(r.token()));
                    audit.record(
                            c,
                            caller,
                            "device.register",
                            d.id(),
                            "fingerprint=" + fp + " chip=" + r.chipSerial());
                    return d;
                });
    }

    /**
     * Registers every chip of a provisioning journal (JSON lines) whose serial is not registered
     * yet; the device id is the chip serial. All lines are parsed before anything is written.
     */
    public ImportResult importJournal(
            Caller caller, String journal, Map<String, String> attributes, String protocol) {
        DeviceIds.attributes(attributes);
        protocol(protocol);
        List<ProvisioningRecord> records = new ArrayList<>();
        String[] lines = journal.split("\n");
        if (lines.length > MAX_IMPORT_LINES)
            throw Refusal.badRequest("at most " + MAX_IMPORT_LINES + " lines");
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].isBlank()) records.add(ProvisioningRecord.parse(lines[i], i + 1));
        }
        return db.tx(
                c -> {
                    int added = 0;
                    int known = 0;
                    Instant now = Instant.now();
                    for (ProvisioningRecord p : records) {
                        Optional<Device> bySerial = devices.byChipSerial(c, p.chipSerial());
                        if (bySerial.isPresent()) {
                            if (!p.fingerprint().equals(bySerial.get().certFingerprint())) {
                                throw Refusal.conflict(
                                        "Identity mismatch",
                                        "chip "
                                                + p.chipSerial()
                                                + " is registered with another certificate; re-register it explicitly");
                            }
                            known++;
                            continue;
                        }
                        if (devices.byFingerprint(c, p.fingerprint()).isPresent()
                                || devices.find(c, p.chipSerial()).isPresent()) {
                            throw Refusal.conflict(
                                    "Identity in use",
                                    "certificate or id of chip "
                                            + p.chipSerial()
                                            + " belongs to another device");
                        }
                        Map<String, String> attrs = new java.util.TreeMap<>(attributes);
                        if (p.station() != null
                                && p.station().length() <= DeviceIds.MAX_ATTRIBUTE_VALUE) {
                            attrs.putIfAbsent("station", p.station());
                        }
                        devices.insert(
                                c,
                                new Device(
                                        p.chipSerial(),
                                        p.fingerprint(),
                                        p.chipSerial(),
                                        false,
                                        attrs,
                                        null,
                                        null,
                                        null,
                                        protocol,
                                        now),
                                null);
                        added++;
                    }
                    audit.record(
                            c,
                            caller,
                            "device.import",
                            null,
                            "registered=" + added + " known=" + known);
                    return new ImportResult(added, known);
                });
    }

    public Device get(String id) {
        return db.tx(c -> devices.find(c, id))
                .orElseThrow(() -> Refusal.notFound("Device", "no device " + id));
    }

    public List<Device> page(String after, int limit) {
        return db.tx(c -> devices.page(c, after, limit));
    }

    public Device setAttributes(Caller caller, String id, Map<String, String> attrs) {
        DeviceIds.attributes(attrs);
        return db.tx(
                c -> {
                    devices.find(c, id)
                            .orElseThrow(() -> Refusal.notFound("Device", "no device " + id));
                    devices.updateAttributes(c, id, attrs);
                    audit.record(c, caller, "device.attributes", id, attrs.toString());
                    return devices.find(c, id).orElseThrow();
                });
    }

    /** The registered device holding this certificate, if any. */
    public Optional<Device> byFingerprint(String fingerprint) {
        return db.tx(c -> devices.byFingerprint(c, fingerprint));
    }

    /** True when {@code token} is this device's token; compares hashes in constant time. */
    public boolean tokenMatches(String id, String token) {
        Optional<String> stored = db.tx(c -> devices.tokenHash(c, id));
        if (stored.isEmpty()) return false;
        return MessageDigest.isEqual(
                stored.get().getBytes(StandardCharsets.US_ASCII),
                tokenHash(token).getBytes(StandardCharsets.US_ASCII));
    }

    static String tokenHash(String token) {
        try {
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("SHA-256")
                                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
