package dev.meerkat.fleet.gcp;

import java.time.Instant;

/** One state report a device published on {@code /devices/{id}/state}. */
public record DeviceState(Instant updateTime, byte[] binaryData) {
    /** How many reports are kept and listed per device. */
    public static final int KEPT = 10;
}
