package dev.meerkat.fleet.gcp;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A device of a registry as Cloud IoT Core describes it; enums as proto numbers. */
public record IotDevice(
        DeviceName name,
        long numId,
        List<DeviceCredential> credentials,
        boolean blocked,
        Map<String, String> metadata,
        int logLevel,
        int gatewayType,
        int gatewayAuthMethod,
        long configVersion,
        Instant lastHeartbeatTime,
        Instant lastEventTime,
        Instant lastStateTime,
        Instant lastConfigAckTime,
        Instant lastConfigSendTime) {

    public IotDevice {
        credentials = List.copyOf(credentials);
        metadata = Map.copyOf(metadata);
    }

    /** The credentials a connecting device may sign its JWT with now. */
    public List<DeviceCredential> usableCredentials(Instant now) {
        return credentials.stream().filter(c -> c.validAt(now)).toList();
    }
}
