package dev.meerkat.cloud.gcp;

import com.google.cloud.iot.v1.DeviceConfig;
import com.google.cloud.iot.v1.DeviceManagerClient;
import com.google.cloud.iot.v1.DeviceName;
import com.google.cloud.iot.v1.DeviceState;
import com.google.cloud.iot.v1.ListDeviceStatesRequest;
import com.google.protobuf.Timestamp;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;

/**
 * What IoT Core knows of one device's update: its latest config version, whether the device has
 * acknowledged it, and the last state it reported (the agent's progress and outcome).
 */
public record DeviceReport(
        String device,
        long configVersion,
        Optional<Instant> configSent,
        Optional<Instant> configAcknowledged,
        Optional<String> lastState,
        Optional<Instant> lastStateTime) {

    /** Acknowledged means the device received the latest config version (QoS 1 PUBACK). */
    public boolean acknowledged() {
        return configAcknowledged.isPresent();
    }

    /** Reads configVersions.list and states.list (latest only) for {@code name}. */
    public static DeviceReport of(DeviceManagerClient client, DeviceName name) {
        Optional<DeviceConfig> latest =
                client.listDeviceConfigVersions(name).getDeviceConfigsList().stream()
                        .max(Comparator.comparingLong(DeviceConfig::getVersion));
        Optional<DeviceState> state =
                client
                        .listDeviceStates(
                                ListDeviceStatesRequest.newBuilder()
                                        .setName(name.toString())
                                        .setNumStates(1)
                                        .build())
                        .getDeviceStatesList()
                        .stream()
                        .max(
                                Comparator.comparing(
                                        s -> instant(s.getUpdateTime()).orElse(Instant.MIN)));
        return new DeviceReport(
                name.toString(),
                latest.map(DeviceConfig::getVersion).orElse(0L),
                latest.flatMap(c -> instant(c.getCloudUpdateTime())),
                latest.flatMap(c -> instant(c.getDeviceAckTime())),
                state.map(s -> s.getBinaryData().toString(StandardCharsets.UTF_8)),
                state.flatMap(s -> instant(s.getUpdateTime())));
    }

    private static Optional<Instant> instant(Timestamp t) {
        return t.getSeconds() == 0 && t.getNanos() == 0
                ? Optional.empty()
                : Optional.of(Instant.ofEpochSecond(t.getSeconds(), t.getNanos()));
    }
}
