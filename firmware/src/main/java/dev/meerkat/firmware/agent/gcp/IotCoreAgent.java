package dev.meerkat.firmware.agent.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.chip.CryptoChip;
import dev.meerkat.firmware.crypto.ChipSecureElement;
import dev.meerkat.firmware.crypto.DeviceChip;
import dev.meerkat.firmware.device.DeviceContext;
import dev.meerkat.firmware.device.Library;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.firmware.mqtt.Backoff;
import dev.meerkat.firmware.ota.OtaEvent;
import dev.meerkat.firmware.ota.OtaUpdate;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The device side of Cloud IoT Core: connects to the bridge as {@code projects/…/devices/{id}} with
 * a JWT signed in the crypto chip, reconnects with a fresh JWT before it expires (and with backoff
 * after a failure), takes {@link UpdateInstruction}s from its config, runs them through the one
 * {@link OtaUpdate}, and reports progress and the outcome (with the bootloader's rollback reason)
 * as its state: {@code {"update": id, "state": …, "running": …}}.
 *
 * <p>The instruction being worked on is kept in {@code gcp-update.json}, so a config received again
 * after the reboot of an update does not start it twice.
 */
public final class IotCoreAgent implements Library {
    public static final String ORIGIN = "gcp";
    static final String FILE = "gcp-update.json";

    /** A new JWT this long before the current one expires. */
    private static final double REFRESH_AT = 0.8;

    /** How long a connection must hold before the reconnect delay starts again from the minimum. */
    private static final Duration STABLE = Duration.ofSeconds(30);

    private final IotCoreSettings settings;
    private final OtaUpdate ota;
    private final AtomicReference<byte[]> latestState = new AtomicReference<>();
    private final Object wake = new Object();
    private DeviceContext device;
    private CryptoChip chip;
    private Thread thread;
    private volatile boolean stopped;
    private volatile MqttClient client;
    private volatile boolean lost;

    public IotCoreAgent(IotCoreSettings settings, OtaUpdate ota) {
        this.settings = settings;
        this.ota = ota;
    }

    @Override
    public String name() {
        return "gcp";
    }

    @Override
    public int order() {
        return 60;
    }

    @Override
    public void init(DeviceContext d) {
        if (!(d.secureElement() instanceof ChipSecureElement se))
            throw new IllegalStateException(
                    "the IoT Core agent signs its JWT in the crypto chip; this device has "
                            + d.secureElement().kind());
        device = d;
        chip = se.chip();
        ota.addListener(this::onOta);
        report(idleState());
        d.onInitDone(
                () -> {
                    thread = new Thread(this::run, "gcp-" + settings.device());
                    thread.setDaemon(true);
                    thread.start();
                });
    }

    // ------------------------------------------------------------ updates (main loop)

    private void onInstruction(UpdateInstruction u) {
        if (u.id().equals(currentId().orElse(null))) return;
        device.files().write(FILE, Json.bytes(Json.object().put("id", u.id()).put("url", u.url())));
        try {
            ota.update(
                    new OtaUpdate.Request(
                            ORIGIN,
                            u.url(),
                            u.commitTimeout(),
                            new OtaUpdate.Expectations(u.version(), u.size())));
            device.log("gcp: update " + u.id() + " started");
        } catch (OtaUpdate.BusyException e) {
            ObjectNode s = idleState();
            s.put("update", u.id()).put("state", "busy").put("error", e.getMessage());
            report(s);
        } catch (IllegalArgumentException e) {
            ObjectNode s = idleState();
            s.put("update", u.id()).put("state", "failed").put("error", e.getMessage());
            report(s);
        }
    }

    private void onOta(OtaEvent e) {
        if (!ORIGIN.equals(e.origin())) return;
        ObjectNode s = e.toJson();
        currentId().ifPresent(id -> s.put("update", id));
        if (!s.has("running")) s.put("running", ota.runningVersion());
        report(s);
    }

    private Optional<String> currentId() {
        return device.files()
                .read(FILE)
                .flatMap(
                        b -> {
                            try {
                                JsonNode n = Json.parse(b);
                                return Optional.ofNullable(n.path("id").textValue());
                            } catch (IllegalArgumentException e) {
                                return Optional.empty();
                            }
                        });
    }

    private ObjectNode idleState() {
        ObjectNode s = Json.object();
        s.put("running", ota.runningVersion());
        if (ORIGIN.equals(ota.state().origin()))
            ota.state().result().ifPresent(r -> s.setAll(r.toJson()));
        currentId().ifPresent(id -> s.put("update", id));
        if (!s.has("state")) s.put("state", "idle");
        s.put("running", ota.runningVersion());
        return s;
    }

    /** The newest state wins; it is published now or as soon as the device is connected. */
    private void report(ObjectNode state) {
        latestState.set(Json.bytes(state));
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    // ------------------------------------------------------------ connection (agent thread)

    private void run() {
        Backoff backoff =
                new Backoff(
                        settings.reconnectMin().toMillis(),
                        settings.reconnectMax().toMillis(),
                        new SecureRandom());
        while (!stopped) {
            Instant refreshAt;
            try {
                refreshAt = connect();
            } catch (MqttException | RuntimeException e) {
                if (stopped) return;
                device.post(() -> device.log("gcp: connect failed: " + e.getMessage()));
                sleep(backoff.nextDelayMillis());
                continue;
            }
            Instant connected = Instant.now();
            serve(refreshAt);
            disconnect();
            // A connection that held for a while resets the backoff; one the bridge keeps
            // closing at once is retried ever more slowly, like a failed connect.
            if (Duration.between(connected, Instant.now()).compareTo(STABLE) >= 0) backoff.reset();
            if (lost && !stopped) sleep(backoff.nextDelayMillis());
        }
    }

    private Instant connect() throws MqttException {
        Instant iat = Instant.now();
        Instant exp = iat.plus(settings.tokenLifetime());
        String jwt = DeviceJwt.es256(chip, DeviceChip.TLS_KEY_SLOT, settings.project(), iat, exp);
        MqttClient c =
                new MqttClient(settings.server(), settings.clientId(), new MemoryPersistence());
        c.setTimeToWait(30_000);
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setCleanSession(true);
        o.setUserName("unused");
        o.setPassword(jwt.toCharArray());
        o.setKeepAliveInterval(60);
        o.setConnectionTimeout(30);
        settings.tls().ifPresent(o::setSocketFactory);
        lost = false;
        c.setCallback(
                new MqttCallback() {
                    @Override
                    public void connectionLost(Throwable cause) {
                        lost = true;
                        synchronized (wake) {
                            wake.notifyAll();
                        }
                    }

                    @Override
                    public void messageArrived(String topic, MqttMessage message) {
                        if (topic.equals(settings.configTopic())) {
                            UpdateInstruction.of(message.getPayload())
                                    .ifPresent(u -> device.post(() -> onInstruction(u)));
                        }
                    }

                    @Override
                    public void deliveryComplete(IMqttDeliveryToken token) {}
                });
        try {
            c.connect(o);
            c.subscribe(settings.configTopic(), 1);
            c.subscribe(settings.commandsTopic(), 1);
        } catch (MqttException e) {
            close(c);
            throw e;
        }
        client = c;
        device.post(() -> device.log("gcp: connected as " + settings.clientId()));
        long lifetime = Duration.between(iat, exp).toMillis();
        return iat.plusMillis((long) (lifetime * REFRESH_AT));
    }

    /** Publishes state reports until the JWT is due for renewal or the connection is lost. */
    private void serve(Instant refreshAt) {
        byte[] published = null;
        while (!stopped && !lost && Instant.now().isBefore(refreshAt)) {
            byte[] state = latestState.get();
            if (state != null && state != published) {
                try {
                    client.publish(settings.stateTopic(), state, 1, false);
                    published = state;
                } catch (MqttException e) {
                    return;
                }
            }
            synchronized (wake) {
                if (latestState.get() == published && !lost && !stopped) {
                    long wait = Duration.between(Instant.now(), refreshAt).toMillis();
                    if (wait > 0) {
                        try {
                            wake.wait(Math.min(wait, 1000));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }
            }
        }
    }

    private void disconnect() {
        MqttClient c = client;
        client = null;
        if (c != null) close(c);
    }

    private static void close(MqttClient c) {
        try {
            if (c.isConnected()) c.disconnect(1000);
        } catch (MqttException ignored) {
            // closing anyway
        }
        try {
            c.close(true);
        } catch (MqttException ignored) {
            // nothing left to release
        }
    }

    private void sleep(long millis) {
        synchronized (wake) {
            try {
                if (!stopped) wake.wait(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void stop() {
        stopped = true;
        synchronized (wake) {
            wake.notifyAll();
        }
        disconnect();
    }
}
