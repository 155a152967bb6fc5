package dev.meerkat.fleetsim;

import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Properties;

/**
 * An MQTT broker in this JVM (Moquette, MQTT 3.1.1, anonymous, no persistence) on a free 127.0.0.1
 * port: what the simulator and the demo use when no broker is given. It has no ACL and no shared
 * subscriptions, so it is for rehearsals on one machine, not for a fleet.
 */
public final class EmbeddedBroker implements AutoCloseable {
    private final Server server = new Server();
    private final String uri;

    private EmbeddedBroker(int port) throws IOException {
        Properties p = new Properties();
        p.setProperty("host", "127.0.0.1");
        p.setProperty("port", String.valueOf(port));
        p.setProperty("allow_anonymous", "true");
        p.setProperty("persistence_enabled", "false");
        p.setProperty("websocket_port", "disabled");
        p.setProperty("netty.mqtt.message_size", "65536");
        p.setProperty("telemetry_enabled", "false");
        quietLogging();
        server.startServer(new MemoryConfig(p));
        uri = "tcp://127.0.0.1:" + port;
    }

    /** Starts a broker on a free port. */
    public static EmbeddedBroker start() throws IOException {
        return new EmbeddedBroker(freePort());
    }

    /** {@code tcp://127.0.0.1:<port>}. */
    public String uri() {
        return uri;
    }

    @Override
    public void close() {
        server.stopServer();
    }

    /**
     * Moquette logs through log4j 1.2, which complains on stderr without a configuration: give it
     * one.
     */
    private static void quietLogging() {
        if (System.getProperty("log4j.configuration") == null) {
            System.setProperty(
                    "log4j.configuration", "dev/meerkat/fleetsim/broker-log4j.properties");
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
