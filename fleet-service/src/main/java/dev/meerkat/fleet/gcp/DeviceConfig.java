package dev.meerkat.fleet.gcp;

import java.time.Instant;

/**
 * One version of a device's cloud-to-device configuration; {@code deviceAckTime} is null until
 * acknowledged.
 */
public record DeviceConfig(
        long version, Instant cloudUpdateTime, Instant deviceAckTime, byte[] binaryData) {
    /** Cloud IoT Core's limit on a configuration and on a state report. */
    public static final int MAX_BYTES = 64 * 1024;

    /** How many versions are kept and listed. */
    public static final int KEPT_VERSIONS = 10;
}
