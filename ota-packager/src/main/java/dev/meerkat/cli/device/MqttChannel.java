package dev.meerkat.cli.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.firmware.json.Json;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * mg_rpc frames through an MQTT broker, as Mongoose OS's mg_rpc MQTT channel carries them: the
 * request goes to {@code <device-id>/rpc} with {@code "src": <source>}; the device answers on
 * {@code <source>/rpc}. The device obeys only the sources its {@code rpc.mqtt_sources} lists (each
 * mapped to an RPC user). Over {@code mqtts://} the client certificate ({@code --cert}/{@code
 * --key}) authenticates this client to the broker.
 */
final class MqttChannel implements FrameChannel {

    private final DevicePort port;
    private final String source;
    private final MqttClient client;
    private final Map<Long, CompletableFuture<ObjectNode>> waiting = new ConcurrentHashMap<>();

    MqttChannel(DevicePort port, String source, SSLContext tls, Duration timeout) {
        this.port = port;
        this.source = source;
        this.client = connect(port, tls, timeout);
        try {
            client.subscribe(
                    source + "/rpc",
                    1,
                    (topic, m) -> {
                        try {
                            JsonNode frame = Json.parse(m.getPayload());
                            CompletableFuture<ObjectNode> f =
                                    waiting.get(frame.path("id").asLong(-1));
                            if (f != null && frame instanceof ObjectNode o) {
                                f.complete(o);
                            }
                        } catch (IllegalArgumentException e) {
                            // not a frame
                        }
                    });
        } catch (MqttException e) {
            close();
            throw new CliException(
                    ExitCode.IO,
                    "broker "
                            + port.uri()
                            + " refused the subscription to "
                            + source
                            + "/rpc: "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * A connected client with a random id (several command lines may talk to one broker at once).
     */
    static MqttClient connect(DevicePort port, SSLContext tls, Duration timeout) {
        byte[] rnd = new byte[6];
        new SecureRandom().nextBytes(rnd);
        MqttClient c;
        try {
            c =
                    new MqttClient(
                            port.uri().toString(),
                            "meerkat-cli-" + HexFormat.of().formatHex(rnd),
                            new MemoryPersistence());
        } catch (MqttException e) {
            throw CliException.usage("--port " + port + ": " + e.getMessage());
        }
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setAutomaticReconnect(false);
        o.setConnectionTimeout((int) Math.max(1, timeout.toSeconds()));
        o.setKeepAliveInterval(30);
        if (tls != null) {
            o.setSocketFactory(tls.getSocketFactory());
        }
        try {
            c.connect(o);
            return c;
        } catch (MqttException e) {
            try {
                c.close(true);
            } catch (MqttException ignored) {
                // nothing more to release
            }
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new CliException(
                    ExitCode.IO,
                    "cannot connect to broker "
                            + port.uri()
                            + ": "
                            + HttpRpcLink.describe(cause)
                            + (port.tls() ? " (check --ca-cert, --cert and --key)" : ""),
                    e);
        }
    }

    @Override
    public ObjectNode exchange(ObjectNode request, Duration timeout) {
        long id = request.get("id").asLong();
        CompletableFuture<ObjectNode> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        try {
            client.publish(port.deviceId() + "/rpc", Json.bytes(request), 1, false);
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new CliException(
                    ExitCode.IO,
                    "no answer from "
                            + port.deviceId()
                            + " via "
                            + port.uri()
                            + " within "
                            + timeout.toSeconds()
                            + " s (is the device connected, and is "
                            + source
                            + " one of its rpc.mqtt_sources?)");
        } catch (MqttException | ExecutionException e) {
            throw new CliException(
                    ExitCode.IO, "lost the broker " + port.uri() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.IO, "interrupted", e);
        } finally {
            waiting.remove(id);
        }
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public String describe() {
        return port.toString();
    }

    @Override
    public void close() {
        close(client);
    }

    static void close(MqttClient c) {
        try {
            if (c.isConnected()) {
                c.disconnect(1000);
            }
        } catch (MqttException e) {
            // going away anyway
        }
        try {
            c.close(true);
        } catch (MqttException e) {
            // going away anyway
        }
    }
}
