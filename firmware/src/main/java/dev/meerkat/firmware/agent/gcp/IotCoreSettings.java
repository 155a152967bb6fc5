package dev.meerkat.firmware.agent.gcp;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLSocketFactory;

/**
 * Where a device meets its Cloud IoT Core-compatible bridge and who it is there.
 *
 * @param server {@code ssl://host:8883} (or {@code tcp://} on a trusted network)
 * @param tls the socket factory for {@code ssl://} (trusting the bridge's CA); empty: the JVM's
 * @param project the project id, the JWT's {@code aud}
 * @param region the registry's location
 * @param registry the registry id
 * @param device the device id
 * @param tokenLifetime how long each JWT is valid (at most 24 h)
 * @param reconnectMin first reconnect delay; doubles up to {@code reconnectMax}
 * @param reconnectMax the longest reconnect delay
 */
public record IotCoreSettings(
        String server,
        Optional<SSLSocketFactory> tls,
        String project,
        String region,
        String registry,
        String device,
        Duration tokenLifetime,
        Duration reconnectMin,
        Duration reconnectMax) {
    public IotCoreSettings {
        Objects.requireNonNull(server);
        Objects.requireNonNull(tls);
        Objects.requireNonNull(project);
        Objects.requireNonNull(region);
        Objects.requireNonNull(registry);
        Objects.requireNonNull(device);
        if (!server.startsWith("ssl://") && !server.startsWith("tcp://"))
            throw new IllegalArgumentException("server must be ssl:// or tcp://");
        if (tokenLifetime.compareTo(Duration.ofMinutes(1)) < 0
                || tokenLifetime.compareTo(Duration.ofHours(24)) > 0)
            throw new IllegalArgumentException("tokenLifetime must be 1 min to 24 h");
        if (reconnectMin.isNegative()
                || reconnectMin.isZero()
                || reconnectMax.compareTo(reconnectMin) < 0)
            throw new IllegalArgumentException("need 0 < reconnectMin <= reconnectMax");
    }

    /** The MQTT client id: the device's full resource name. */
    public String clientId() {
        return "projects/"
                + project
                + "/locations/"
                + region
                + "/registries/"
                + registry
                + "/devices/"
                + device;
    }

    public String configTopic() {
        return "/devices/" + device + "/config";
    }

    public String commandsTopic() {
        return "/devices/" + device + "/commands/#";
    }

    public String stateTopic() {
        return "/devices/" + device + "/state";
    }
}
