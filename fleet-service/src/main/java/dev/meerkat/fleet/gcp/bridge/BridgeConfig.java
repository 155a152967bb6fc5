package dev.meerkat.fleet.gcp.bridge;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The Cloud IoT Core MQTT bridge ({@code meerkat.iot-core.bridge.*}): off unless enabled; a plain
 * port and/or a TLS port (0 = any free port); TLS from a PKCS#12 key store.
 */
@ConfigMapping(prefix = "meerkat.iot-core.bridge")
public interface BridgeConfig {
    @WithDefault("false")
    boolean enabled();

    @WithDefault("127.0.0.1")
    String host();

    /** Plain MQTT (tcp); absent = no plain listener. */
    OptionalInt port();

    /** MQTT over TLS, as mqtt.googleapis.com:8883 served it; needs {@link #tlsKeyStore()}. */
    OptionalInt tlsPort();

    /** PKCS#12 file with the server key and certificate chain. */
    Optional<Path> tlsKeyStore();

    Optional<String> tlsKeyStorePassword();
}
