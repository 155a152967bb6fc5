package dev.meerkat.fleet.device;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * A registered device. Identity: the SHA-256 fingerprint of its certificate (issued by our PKI) and
 * the chip serial from provisioning, and/or a per-device token (only its SHA-256 is stored).
 *
 * @param attributes hardware, platform, region, tags... (what dynamic groups filter on)
 */
public record Device(
        String id,
        String certFingerprint,
        String chipSerial,
        boolean hasToken,
        Map<String, String> attributes,
        String reportedVersion,
        String slotState,
        Instant lastSeen,
        String protocol,
        Instant createdAt) {

    public Device {
        attributes = java.util.Collections.unmodifiableMap(new TreeMap<>(attributes));
    }

    /**
     * Attributes as a group filter sees them: the stored ones plus {@code version} and {@code
     * protocol}.
     */
    public Map<String, String> facts() {
        Map<String, String> f = new TreeMap<>(attributes);
        if (reportedVersion != null) f.put("version", reportedVersion);
        if (protocol != null) f.put("protocol", protocol);
        f.put("id", id);
        return f;
    }
}
