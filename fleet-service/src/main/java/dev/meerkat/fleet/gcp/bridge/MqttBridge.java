package dev.meerkat.fleet.gcp.bridge;

import dev.meerkat.fleet.gcp.DeviceConfig;
import dev.meerkat.fleet.gcp.DeviceLink;
import dev.meerkat.fleet.gcp.DeviceName;
import dev.meerkat.fleet.gcp.IotCoreService;
import dev.meerkat.fleet.gcp.IotDevice;
import io.moquette.broker.ClientDescriptor;
import io.moquette.broker.ISslContextCreator;
import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.ssl.SslContextBuilder;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import javax.net.ssl.KeyManagerFactory;
import org.jboss.logging.Logger;

/**
 * The Cloud IoT Core MQTT bridge: an embedded Moquette broker whose authenticator, authorizer and
 * interceptor are this package's. Devices connect as they connected to mqtt.googleapis.com; the
 * device manager reaches them through {@link DeviceLink}. A connection ends when its JWT does.
 */
@ApplicationScoped
public class MqttBridge implements DeviceLink {
    private static final Logger LOG = Logger.getLogger(MqttBridge.class);

    /** A command (256 KiB) plus the MQTT header and the longest topic. */
    private static final int MAX_PACKET = 256 * 1024 + 1024;

    private static final String PUBLISHER = "iot-core-bridge";

    @Inject BridgeConfig config;

    @Inject IotCoreService iot;

    private volatile Server broker;
    private OptionalInt plainPort = OptionalInt.empty();
    private OptionalInt tlsPort = OptionalInt.empty();
    private ConnectionDeadlines deadlines;

    void start(@Observes StartupEvent ev) throws IOException {
        if (!config.enabled()) return;
        if (config.port().isEmpty() && config.tlsPort().isEmpty())
            throw new IllegalStateException(
                    "meerkat.iot-core.bridge.enabled needs a port or a tls-port");
        Properties p = new Properties();
        p.setProperty("host", config.host());
        plainPort = bindable(config.port());
        tlsPort = bindable(config.tlsPort());
        p.setProperty("port", portOrDisabled(plainPort));
        p.setProperty("ssl_port", portOrDisabled(tlsPort));
        p.setProperty("websocket_port", "disabled");
        p.setProperty("secure_websocket_port", "disabled");
        p.setProperty("allow_anonymous", "false");
        p.setProperty("allow_zero_byte_client_id", "false");
        p.setProperty("reauthorize_subscriptions_on_connect", "true");
        p.setProperty("persistence_enabled", "false");
        p.setProperty("telemetry_enabled", "false");
        p.setProperty("immediate_buffer_flush", "true");
        p.setProperty("netty.mqtt.message_size", Integer.toString(MAX_PACKET));
        Server server = new Server();
        deadlines = new ConnectionDeadlines(this::expired);
        server.startServer(
                new MemoryConfig(p),
                List.of(new BridgeInterceptor(iot, this)),
                config.tlsPort().isPresent() ? tls() : null,
                new BridgeAuthenticator(iot, deadlines),
                new BridgeAuthorizer());
        broker = server;
        LOG.infof(
                "IoT Core MQTT bridge on %s (plain %s, TLS %s)", config.host(), port(), tlsPort());
    }

    void stop(@Observes ShutdownEvent ev) {
        Server server = broker;
        broker = null;
        if (server != null) server.stopServer();
        if (deadlines != null) deadlines.close();
    }

    /** The plain port, when the bridge runs one. */
    public OptionalInt port() {
        return broker == null ? OptionalInt.empty() : plainPort;
    }

    /** The TLS port, when the bridge runs one. */
    public OptionalInt tlsPort() {
        return broker == null ? OptionalInt.empty() : tlsPort;
    }

    @Override
    public boolean sendCommand(DeviceName device, String subfolder, byte[] data) {
        Server server = broker;
        String clientId = device.toString();
        if (server == null || deadlines.current(clientId).isEmpty() || !connected(clientId))
            return false;
        if (!iot.deviceIdUnique(device.device())) return false;
        server.internalPublish(
                message(DeviceTopic.commands(device.device(), subfolder), data), PUBLISHER);
        return true;
    }

    @Override
    public void configChanged(DeviceName device, DeviceConfig config) {
        if (broker == null || !iot.deviceIdUnique(device.device())) return;
        pushConfig(device, config);
    }

    @Override
    public void deviceChanged(DeviceName device) {
        Server server = broker;
        if (server == null) return;
        String clientId = device.toString();
        Optional<IotDevice> now = iot.findDevice(device);
        if (now.isEmpty() || now.get().blocked()) {
            deadlines.forget(clientId);
            server.disconnectAndPurgeClientState(clientId);
            return;
        }
        Optional<ConnectionDeadlines.Admission> admitted = deadlines.current(clientId);
        if (admitted.isEmpty()) return;
        try {
            Instant at = Instant.now();
            DeviceJwtVerifier.verify(
                    admitted.get().jwt(),
                    device.registry().project(),
                    now.get().usableCredentials(at),
                    at);
        } catch (DeviceJwtVerifier.Refused e) {
            LOG.infof("IoT Core device %s disconnected: %s", clientId, e.getMessage());
            deadlines.forget(clientId);
            server.disconnectClient(clientId);
        }
    }

    /** Sends a config version to the device's config topic at QoS 1. */
    void pushConfig(DeviceName device, DeviceConfig config) {
        Server server = broker;
        if (server == null) return;
        server.internalPublish(
                message(DeviceTopic.config(device.device()), config.binaryData()), PUBLISHER);
        iot.recordActivity(device, false, true);
    }

    private boolean connected(String clientId) {
        for (ClientDescriptor c : broker.listConnectedClients())
            if (c.getClientID().equals(clientId)) return true;
        return false;
    }

    private void expired(String clientId) {
        Server server = broker;
        if (server == null) return;
        LOG.infof("IoT Core device %s disconnected: its JWT expired", clientId);
        server.disconnectClient(clientId);
    }

    private static MqttPublishMessage message(String topic, byte[] data) {
        return MqttMessageBuilders.publish()
                .topicName(topic)
                .retained(false)
                .qos(MqttQoS.AT_LEAST_ONCE)
                .payload(Unpooled.wrappedBuffer(data))
                .build();
    }

    /**
     * Port 0 means any free port; it is chosen here because Moquette reports the configured port,
     * not the bound one.
     */
    private OptionalInt bindable(OptionalInt port) throws IOException {
        if (port.isEmpty() || port.getAsInt() != 0) return port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(config.host()))) {
            return OptionalInt.of(s.getLocalPort());
        }
    }

    private static String describe(OptionalInt port) {
        return port.isPresent() ? Integer.toString(port.getAsInt()) : "off";
    }

    private static String portOrDisabled(OptionalInt port) {
        return port.isPresent() ? Integer.toString(port.getAsInt()) : "disabled";
    }

    private ISslContextCreator tls() {
        var path =
                config.tlsKeyStore()
                        .orElseThrow(
                                () ->
                                        new IllegalStateException(
                                                "meerkat.iot-core.bridge.tls-port needs"
                                                        + " tls-key-store"));
        char[] password = config.tlsKeyStorePassword().orElse("").toCharArray();
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
            KeyManagerFactory kmf =
                    KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            var context = SslContextBuilder.forServer(kmf).build();
            return () -> context;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot use the key store " + path + ": " + e, e);
        }
    }
}
