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

    /** This device at another config version. */
    public IotDevice withConfigVersion(long version) {
        return new IotDevice(
                name,
                numId,
                credentials,
                blocked,
                metadata,
                logLevel,
                gatewayType,
                gatewayAuthMethod,
                version,
                lastHeartbeatTime,
                lastEventTime,
                lastStateTime,
                lastConfigAckTime,
                lastConfigSendTime);
    }

    /** Heard from at {@code now}: an event and a config sent to it move their times too. */
    public IotDevice heardFrom(Instant now, boolean event, boolean configSent) {
        return withTimes(
                now,
                event ? now : lastEventTime,
                lastStateTime,
                lastConfigAckTime,
                configSent ? now : lastConfigSendTime);
    }

    /** Reported its state at {@code now}. */
    public IotDevice stateReported(Instant now) {
        return withTimes(
                lastHeartbeatTime, lastEventTime, now, lastConfigAckTime, lastConfigSendTime);
    }

    /** Acknowledged a config at {@code now}. */
    public IotDevice configAcknowledged(Instant now) {
        return withTimes(lastHeartbeatTime, lastEventTime, lastStateTime, now, lastConfigSendTime);
    }

    private IotDevice withTimes(
            Instant heartbeat,
            Instant event,
            Instant state,
            Instant configAck,
            Instant configSend) {
        return new IotDevice(
                name,
                numId,
                credentials,
                blocked,
                metadata,
                logLevel,
                gatewayType,
                gatewayAuthMethod,
                configVersion,
                heartbeat,
                event,
                state,
                configAck,
                configSend);
    }

    /** The credentials a connecting device may sign its JWT with now. */
    public List<DeviceCredential> usableCredentials(Instant now) {
        return credentials.stream().filter(c -> c.validAt(now)).toList();
    }
}
