package dev.meerkat.firmware.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.Board;
import dev.meerkat.firmware.BoardListener;
import dev.meerkat.firmware.DeviceProfile;
import dev.meerkat.firmware.Json;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.RootOfTrust;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.SigningKey;
import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Runs a fleet of emulated boards in this JVM, rolls an update out to all of them over MQTT (an
 * mg_rpc OTA.Update to {@code <device>/rpc}) and collects the outcomes each device reports on
 * {@code <device>/ota}. Without a broker it starts an embedded one (Moquette) and without an
 * update URL it serves the example v2 itself. Faults can be injected per device: init failure of
 * the new firmware, a power cut at a random point of the update, a dropped download connection.
 */
public final class FleetSimulator {

    /**
     * What to simulate.
     *
     * @param devices     number of boards
     * @param broker      MQTT server URI (tcp://…), null for an embedded broker
     * @param updateUrl   image URL, null to serve the example v2 (or v2-broken when {@code broken})
     * @param key         signing key of the factory image (and of the update), null for a fresh key
     * @param broken      roll out v2-broken instead of v2 (built-in update only)
     * @param failInitPct percentage of boards whose new firmware fails init
     * @param powerCutPct percentage of boards that lose power at a random point of the update
     * @param netDropPct  percentage of boards whose download connection drops once
     * @param imageSize   size of the built-in images in bytes (0 for the bare examples)
     * @param seed        seed of the fault choices
     * @param timeout     give-up time for the whole rollout
     */
    public record Options(int devices, String broker, String updateUrl, SigningKey key, boolean broken,
            double failInitPct, double powerCutPct, double netDropPct, int imageSize, long seed, Duration timeout) {
    }

    /** Outcome counts. */
    public record Result(int devices, int committed, int rolledBack, int bricked, int failed, double seconds,
            Map<String, Integer> reasons, long bytesServed) {

        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("devices", devices);
            o.put("committed", committed);
            o.put("rolled_back", rolledBack);
            o.put("bricked", bricked);
            o.put("failed", failed);
            o.put("seconds", Math.round(seconds * 100) / 100.0);
            return o;
        }
    }

    private final Options options;
    private final Consumer<String> out;

    public FleetSimulator(Options options, Consumer<String> out) {
        this.options = options;
        this.out = out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public Result run() throws Exception {
        Server broker = null;
        ImageServer images = null;
        List<Board> boards = new ArrayList<>();
        MqttClient cloud = null;
        try {
            String brokerUri = options.broker();
            if (brokerUri == null) {
                int port = freePort();
                Properties p = new Properties();
                p.setProperty("host", "127.0.0.1");
                p.setProperty("port", String.valueOf(port));
                p.setProperty("allow_anonymous", "true");
                p.setProperty("persistence_enabled", "false");
                p.setProperty("websocket_port", "disabled");
                p.setProperty("netty.mqtt.message_size", "65536");
                broker = new Server();
                broker.startServer(new MemoryConfig(p));
                brokerUri = "tcp://127.0.0.1:" + port;
                out.accept("embedded MQTT broker on " + brokerUri);
            }
            SigningKey key = options.key() != null ? options.key() : SigningKey.generate(KeyType.ED25519);
            byte[] v1 = ExampleApps.image("v1", key, null, options.imageSize());
            String url = options.updateUrl();
            if (url == null) {
                images = new ImageServer(false);
                String name = options.broken() ? "v2-broken" : "v2";
                byte[] v2 = ExampleApps.image(name, key, null, options.imageSize());
                url = images.put(name + ".bin", v2);
                out.accept("serving " + name + " (" + v2.length + " bytes) at " + url);
            }
            RootOfTrust rot = RootOfTrust.of(ProvisionedKey.publicKey(key.verificationKey().publicKey().getEncoded()));
            DeviceProfile profile = DeviceProfile.forImages(Math.max(v1.length, options.imageSize()) + 64 * 1024L);
            Random random = new Random(options.seed());
            Map<String, String> outcome = new ConcurrentHashMap<>();
            Map<String, String> reason = new ConcurrentHashMap<>();
            BoardListener listener = new BoardListener() {
                @Override
                public void event(String id, String subtopic, JsonNode e) {
                    // outcomes are taken from the broker, like a cloud service would
                }
            };
            for (int i = 0; i < options.devices(); i++) {
                String id = String.format("sim-%05d", i);
                ObjectNode conf = Json.object();
                conf.putObject("mqtt").put("enable", true).put("server", brokerUri)
                        .put("reconnect_timeout_min", 250).put("reconnect_timeout_max", 5000).put("queue_max", 16);
                conf.putObject("app").put("interval_ms", 60_000);
                Board b = Board.builder(id).profile(profile).rootOfTrust(rot).factoryImage(v1).factoryConfig(conf)
                        .seed(options.seed() + i).listener(listener).tickMillis(20)
                        .failInitOnTestBoot(random.nextDouble() * 100 < options.failInitPct()).build();
                boards.add(b);
                b.start();
            }
            long t0 = System.nanoTime();
            Duration wait = options.timeout();
            for (Board b : boards) {
                if (!b.await(x -> x.isUp() && x.onDevice(fw -> fw.mqtt().map(m -> m.isConnected()).orElse(false)),
                        wait)) {
                    throw new IllegalStateException(b.id() + " did not come up: " + b.state());
                }
            }
            out.accept(boards.size() + " devices up on v1 in " + secs(t0) + " s");

            cloud = new MqttClient(brokerUri, "fleet-" + System.nanoTime(), new MemoryPersistence());
            MqttConnectOptions co = new MqttConnectOptions();
            co.setMaxInflight(65535);
            co.setCleanSession(true);
            cloud.connect(co);
            cloud.subscribe("+/ota", 1, (topic, m) -> {
                String id = topic.substring(0, topic.indexOf('/'));
                JsonNode e = Json.parse(m.getPayload());
                String s = e.path("state").asText();
                if (s.equals("committed") || s.equals("rolled_back") || s.equals("failed")) {
                    outcome.put(id, s);
                    if (e.has("reason") || e.has("error")) {
                        reason.put(id, e.has("reason") ? e.get("reason").asText() : "error");
                    }
                }
            });
            long start = System.nanoTime();
            for (Board b : boards) {
                if (random.nextDouble() * 100 < options.netDropPct()) {
                    b.dropDownloadAfter(1 + random.nextInt(Math.max(1, v1.length)));
                }
                if (random.nextDouble() * 100 < options.powerCutPct()) {
                    int cut = random.nextInt(40);
                    b.onDevice(fw -> {
                        fw.device().power().cutAfter(cut);
                        return null;
                    });
                }
            }
            Map<String, Long> sent = new ConcurrentHashMap<>();
            for (Board b : boards) {
                trigger(cloud, b, url);
                sent.put(b.id(), b.boots());
            }
            long deadline = System.nanoTime() + wait.toNanos();
            long lastRetry = System.nanoTime();
            while (System.nanoTime() < deadline) {
                int done = 0;
                for (Board b : boards) {
                    if (outcome.containsKey(b.id()) || b.state() == Board.State.RECOVERY
                            || b.state() == Board.State.HALTED) {
                        done++;
                    }
                }
                if (done == boards.size()) {
                    break;
                }
                if (System.nanoTime() - lastRetry > 5_000_000_000L) {
                    // a device that lost the request to a reset before it was recorded gets it again
                    lastRetry = System.nanoTime();
                    for (Board b : boards) {
                        if (!outcome.containsKey(b.id()) && b.isUp() && b.boots() > sent.get(b.id()) && idle(b)) {
                            trigger(cloud, b, url);
                            sent.put(b.id(), b.boots());
                        }
                    }
                }
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            int committed = 0;
            int rolledBack = 0;
            int bricked = 0;
            int failed = 0;
            Map<String, Integer> reasons = new java.util.TreeMap<>();
            for (Board b : boards) {
                String o = outcome.get(b.id());
                if (b.state() == Board.State.RECOVERY || b.state() == Board.State.HALTED) {
                    bricked++;
                } else if ("committed".equals(o)) {
                    committed++;
                } else if ("rolled_back".equals(o)) {
                    rolledBack++;
                    reasons.merge(reason.getOrDefault(b.id(), "?"), 1, Integer::sum);
                } else {
                    failed++;
                }
            }
            return new Result(boards.size(), committed, rolledBack, bricked, failed, seconds, reasons,
                    images == null ? -1 : images.bytesServed());
        } finally {
            if (cloud != null) {
                try {
                    cloud.disconnectForcibly(100);
                    cloud.close(true);
                } catch (MqttException e) {
                    // shutting down
                }
            }
            boards.parallelStream().forEach(Board::close);
            if (images != null) {
                images.close();
            }
            if (broker != null) {
                broker.stopServer();
            }
        }
    }

    private static boolean idle(Board b) {
        try {
            return b.rpc("OTA.Status", null).path("phase").asText().equals("idle");
        } catch (Exception e) {
            return false;
        }
    }

    private static void trigger(MqttClient cloud, Board b, String url) throws MqttException {
        ObjectNode f = Json.object();
        f.put("id", System.nanoTime());
        f.put("src", "fleet");
        f.put("method", "OTA.Update");
        f.putObject("args").put("url", url).put("commit_timeout", 0);
        cloud.publish(b.id() + "/rpc", Json.bytes(f), 1, false);
    }

    private static String secs(long t0) {
        return String.format("%.1f", (System.nanoTime() - t0) / 1e9);
    }
}
