package dev.meerkat.fleetsim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.Board;
import dev.meerkat.firmware.BoardListener;
import dev.meerkat.firmware.DeviceProfile;
import dev.meerkat.firmware.crypto.ChipSecureElement;
import dev.meerkat.firmware.crypto.DeviceChip;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.RootOfTrust;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.SigningKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * {@code <device>/ota}. Without a broker it starts an embedded one (Moquette) and without an update
 * URL it serves the example v2 itself. Faults can be injected per device: init failure of the new
 * firmware, a power cut at a random point of the update, a dropped download connection.
 */
public final class FleetSimulator {

    /**
     * What to simulate.
     *
     * @param devices number of boards
     * @param broker MQTT server URI (tcp://…), null for an embedded broker
     * @param updateUrl image URL, null to serve the example v2 (or v2-broken when {@code broken})
     * @param key signing key of the factory image (and of the update), null for a fresh key
     * @param broken roll out v2-broken instead of v2 (built-in update only)
     * @param failInitPct percentage of boards whose new firmware fails init
     * @param powerCutPct percentage of boards that lose power at a random point of the update
     * @param netDropPct percentage of boards whose download connection drops once
     * @param imageSize size of the built-in images in bytes (0 for the bare examples)
     * @param seed seed of the fault choices
     * @param timeout give-up time for the whole rollout
     */
    public record Options(
            int devices,
            String broker,
            String updateUrl,
            SigningKey key,
            boolean broken,
            double failInitPct,
            double powerCutPct,
            double netDropPct,
            int imageSize,
            long seed,
            Duration timeout,
            List<Update> updates,
            byte[] factoryImage,
            boolean chips) {

        /** One rollout of the example v2 (or v2-broken) or of {@code updateUrl}, software keys. */
        public Options(
                int devices,
                String broker,
                String updateUrl,
                SigningKey key,
                boolean broken,
                double failInitPct,
                double powerCutPct,
                double netDropPct,
                int imageSize,
                long seed,
                Duration timeout) {
            this(
                    devices,
                    broker,
                    updateUrl,
                    key,
                    broken,
                    failInitPct,
                    powerCutPct,
                    netDropPct,
                    imageSize,
                    seed,
                    timeout,
                    List.of(),
                    null,
                    false);
        }

        /** Rollouts done one after the other on the same fleet (replaces updateUrl/broken). */
        public Options withUpdates(List<Update> u) {
            return new Options(
                    devices,
                    broker,
                    updateUrl,
                    key,
                    broken,
                    failInitPct,
                    powerCutPct,
                    netDropPct,
                    imageSize,
                    seed,
                    timeout,
                    List.copyOf(u),
                    factoryImage,
                    chips);
        }

        /** The image every device has in slot A at the factory (default: the example v1). */
        public Options withFactoryImage(byte[] image) {
            return new Options(
                    devices,
                    broker,
                    updateUrl,
                    key,
                    broken,
                    failInitPct,
                    powerCutPct,
                    netDropPct,
                    imageSize,
                    seed,
                    timeout,
                    updates,
                    image,
                    chips);
        }

        /** Gives every device its own emulated ATECC608 (keys generated in the chip). */
        public Options withChips(boolean c) {
            return new Options(
                    devices,
                    broker,
                    updateUrl,
                    key,
                    broken,
                    failInitPct,
                    powerCutPct,
                    netDropPct,
                    imageSize,
                    seed,
                    timeout,
                    updates,
                    factoryImage,
                    c);
        }
    }

    /**
     * An update to roll out: an image served by the simulator's HTTP server ({@code image}), or an
     * image elsewhere ({@code url}).
     */
    public record Update(String name, String url, byte[] image) {

        public static Update served(String name, byte[] image) {
            return new Update(name, null, image);
        }

        public static Update at(String url) {
            return new Update(url.substring(url.lastIndexOf('/') + 1), url, null);
        }
    }

    /**
     * Outcome counts of one rollout.
     *
     * @param versions devices per running firmware version at the end
     * @param bytesServed image bytes sent by the built-in HTTP server during the rollout (-1: not
     *     ours)
     * @param brokerBytes bytes the broker received plus sent during the rollout, from its {@code
     *     $SYS/broker/bytes/*} topics (-1 when it publishes none)
     * @param memoryPerDevice heap per running device (after GC, fleet up on the factory image)
     */
    public record Result(
            String update,
            int devices,
            int committed,
            int rolledBack,
            int bricked,
            int failed,
            double seconds,
            Map<String, Integer> reasons,
            Map<String, Integer> failures,
            long bytesServed,
            Map<String, Integer> versions,
            long brokerBytes,
            long memoryPerDevice) {

        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("update", update);
            o.put("devices", devices);
            o.put("committed", committed);
            o.put("rolledBack", rolledBack);
            o.put("bricked", bricked);
            o.put("failed", failed);
            o.put("seconds", Math.round(seconds * 100) / 100.0);
            reasons.forEach(o.putObject("rollbackReasons")::put);
            failures.forEach(o.putObject("failureReasons")::put);
            return o;
        }
    }

    private final Options options;
    private final Consumer<String> out;
    // Where the run stands, read by progress reporters from another thread.
    private volatile String stage = "starting the broker";

    public FleetSimulator(Options options, Consumer<String> out) {
        this.options = options;
        this.out = out;
    }

    /**
     * Where the run stands, e.g. {@code "rolling out v2: 37 of 100 devices finished"}: for periodic
     * progress lines while {@link #runAll} waits.
     */
    public String progress() {
        return stage;
    }

    /** Runs the (single) rollout; with several updates, the result of the last one. */
    public Result run() throws Exception {
        List<Result> all = runAll();
        return all.get(all.size() - 1);
    }

    /** Boots the fleet on the factory image and rolls every update out in turn. */
    public List<Result> runAll() throws Exception {
        EmbeddedBroker broker = null;
        ImageServer images = null;
        List<Board> boards = new ArrayList<>();
        MqttClient cloud = null;
        try {
            String brokerUri = options.broker();
            if (brokerUri == null) {
                broker = EmbeddedBroker.start();
                brokerUri = broker.uri();
                out.accept("embedded MQTT broker on " + brokerUri);
            }
            SigningKey key =
                    options.key() != null ? options.key() : SigningKey.generate(KeyType.ED25519);
            byte[] v1 =
                    options.factoryImage() != null
                            ? options.factoryImage()
                            : ExampleApps.image("v1", key, null, options.imageSize());
            List<Update> updates = new ArrayList<>(options.updates());
            if (updates.isEmpty()) {
                if (options.updateUrl() != null) {
                    updates.add(Update.at(options.updateUrl()));
                } else {
                    String name = options.broken() ? "v2-broken" : "v2";
                    updates.add(
                            Update.served(
                                    name, ExampleApps.image(name, key, null, options.imageSize())));
                }
            }
            long largest = v1.length;
            Map<Update, String> urls = new java.util.LinkedHashMap<>();
            for (Update u : updates) {
                if (u.url() != null) {
                    urls.put(u, u.url());
                    largest = Math.max(largest, options.imageSize());
                } else {
                    if (images == null) {
                        images = new ImageServer(false);
                    }
                    String url = images.put(u.name() + ".bin", u.image());
                    urls.put(u, url);
                    largest = Math.max(largest, u.image().length);
                    out.accept(
                            "serving " + u.name() + " (" + u.image().length + " bytes) at " + url);
                }
            }
            RootOfTrust rot =
                    RootOfTrust.of(
                            ProvisionedKey.publicKey(
                                    key.verificationKey().publicKey().getEncoded()));
            DeviceProfile profile = DeviceProfile.forImages(largest + 64 * 1024L);
            Random random = new Random(options.seed());
            Map<String, String> outcome = new ConcurrentHashMap<>();
            Map<String, String> reason = new ConcurrentHashMap<>();
            BoardListener listener =
                    new BoardListener() {
                        @Override
                        public void event(String id, String subtopic, JsonNode e) {
                            // outcomes are taken from the broker, like a cloud service would
                        }
                    };
            long heapBefore = usedHeap();
            long t0 = System.nanoTime();
            for (int i = 0; i < options.devices(); i++) {
                String id = String.format("sim-%05d", i);
                ObjectNode conf = Json.object();
                conf.putObject("mqtt")
                        .put("enable", true)
                        .put("server", brokerUri)
                        .put("reconnect_timeout_min", 250)
                        .put("reconnect_timeout_max", 5000)
                        .put("queue_max", 16);
                conf.putObject("app").put("interval_ms", 60_000);
                conf.putObject("rpc").put("mqtt_sources", "fleet=admin");
                Board.Builder bb =
                        Board.builder(id)
                                .profile(profile)
                                .rootOfTrust(rot)
                                .factoryImage(v1)
                                .factoryConfig(conf)
                                .seed(options.seed() + i)
                                .listener(listener)
                                .tickMillis(20)
                                .failInitOnTestBoot(
                                        random.nextDouble() * 100 < options.failInitPct());
                if (options.chips()) {
                    bb.secureElement(new ChipSecureElement(DeviceChip.emulated(), List.of()));
                }
                Board b = bb.build();
                boards.add(b);
                b.start();
            }
            Duration wait = options.timeout();
            int up = 0;
            for (Board b : boards) {
                stage = "booting: " + up++ + " of " + boards.size() + " devices up";
                if (!b.await(
                        x ->
                                x.isUp()
                                        && x.onDevice(
                                                fw ->
                                                        fw.mqtt()
                                                                .map(m -> m.isConnected())
                                                                .orElse(false)),
                        wait)) {
                    throw new IllegalStateException(b.id() + " did not come up: " + b.state());
                }
            }
            out.accept(
                    boards.size()
                            + " devices up on "
                            + boards.get(0).runningVersion()
                            + (options.chips() ? " (keys in emulated ATECC608s)" : "")
                            + " in "
                            + secs(t0)
                            + " s");
            long memoryPerDevice = Math.max(0, usedHeap() - heapBefore) / boards.size();

            cloud =
                    new MqttClient(
                            brokerUri, "fleet-" + System.nanoTime(), new MemoryPersistence());
            MqttConnectOptions co = new MqttConnectOptions();
            co.setMaxInflight(65535);
            co.setCleanSession(true);
            cloud.connect(co);
            cloud.subscribe(
                    "+/ota",
                    1,
                    (topic, m) -> {
                        String id = topic.substring(0, topic.indexOf('/'));
                        JsonNode e = Json.parse(m.getPayload());
                        String s = e.path("state").asText();
                        if (s.equals("committed")
                                || s.equals("rolled_back")
                                || s.equals("failed")) {
                            outcome.put(id, s);
                            if (e.has("reason") || e.has("error")) {
                                reason.put(
                                        id, e.has("reason") ? e.get("reason").asText() : "error");
                            }
                        }
                    });
            Map<String, String> refusals = new ConcurrentHashMap<>();
            cloud.subscribe(
                    "fleet/rpc",
                    1,
                    (topic, m) -> {
                        JsonNode r = Json.parse(m.getPayload());
                        if (r.has("error")) {
                            refusals.put(
                                    r.path("src").asText("?"),
                                    r.get("error").path("message").asText());
                        }
                    });
            BrokerBytes sys = new BrokerBytes();
            if (options.broker() != null) {
                cloud.subscribe(
                        "$SYS/broker/bytes/+", 0, (topic, m) -> sys.update(topic, m.getPayload()));
                sys.awaitFresh(Duration.ofSeconds(3));
            }

            List<Result> results = new ArrayList<>();
            for (Update u : updates) {
                outcome.clear();
                reason.clear();
                refusals.clear();
                results.add(
                        rollout(
                                cloud,
                                boards,
                                u,
                                urls.get(u),
                                random,
                                outcome,
                                reason,
                                images,
                                sys,
                                memoryPerDevice,
                                v1.length));
                refusals.forEach((id, why) -> out.accept(id + " refused the update: " + why));
            }
            return results;
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
                broker.close();
            }
        }
    }

    private Result rollout(
            MqttClient cloud,
            List<Board> boards,
            Update u,
            String url,
            Random random,
            Map<String, String> outcome,
            Map<String, String> reason,
            ImageServer images,
            BrokerBytes sys,
            long memoryPerDevice,
            int imageLength)
            throws Exception {
        out.accept("rolling out " + u.name() + " to " + boards.size() + " devices");
        for (Board b : boards) {
            if (random.nextDouble() * 100 < options.netDropPct()) {
                b.dropDownloadAfter(1 + random.nextInt(Math.max(1, imageLength)));
            }
            if (random.nextDouble() * 100 < options.powerCutPct()) {
                int cut = random.nextInt(40);
                b.onDevice(
                        fw -> {
                            fw.device().power().cutAfter(cut);
                            return null;
                        });
            }
        }
        long served0 = images == null ? 0 : images.bytesServed();
        long broker0 = sys.total();
        long start = System.nanoTime();
        Map<String, Long> sent = new ConcurrentHashMap<>();
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        // The outcome a device keeps in its OTA state, to recognise a new one if its MQTT report is
        // lost.
        Map<String, JsonNode> resultBefore = new ConcurrentHashMap<>();
        for (Board b : boards) {
            resultBefore.put(b.id(), lastResult(b));
            trigger(cloud, b, url);
            sent.put(b.id(), b.boots());
            sentAt.put(b.id(), System.nanoTime());
        }
        long deadline = System.nanoTime() + options.timeout().toNanos();
        long lastRetry = System.nanoTime();
        while (System.nanoTime() < deadline) {
            int done = 0;
            for (Board b : boards) {
                if (outcome.containsKey(b.id())
                        || b.state() == Board.State.RECOVERY
                        || b.state() == Board.State.HALTED) {
                    done++;
                }
            }
            if (done == boards.size()) {
                break;
            }
            stage =
                    "rolling out "
                            + u.name()
                            + ": "
                            + done
                            + " of "
                            + boards.size()
                            + " devices finished";
            if (System.nanoTime() - lastRetry > 5_000_000_000L) {
                // a device that lost the request (to a reset, or on the way) and sits idle gets it
                // again
                lastRetry = System.nanoTime();
                for (Board b : boards) {
                    if (!outcome.containsKey(b.id()) && b.isUp()) {
                        JsonNode r = lastResult(b);
                        if (!r.isMissingNode() && !r.equals(resultBefore.get(b.id()))) {
                            // the device reached an outcome but its report never arrived: read it
                            // from the device
                            outcome.put(b.id(), r.path("state").asText());
                            if (r.has("reason")) reason.put(b.id(), r.get("reason").asText());
                            continue;
                        }
                    }
                    if (!outcome.containsKey(b.id())
                            && b.isUp()
                            && (b.boots() > sent.get(b.id())
                                    || System.nanoTime() - sentAt.get(b.id()) > 10_000_000_000L)
                            && idle(b)) {
                        trigger(cloud, b, url);
                        sent.put(b.id(), b.boots());
                        sentAt.put(b.id(), System.nanoTime());
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
        // Why the devices that neither committed nor rolled back failed: what they reported, else
        // silence.
        Map<String, Integer> failures = new java.util.TreeMap<>();
        Map<String, Integer> versions = new java.util.TreeMap<>();
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
                failures.merge(
                        reason.getOrDefault(b.id(), o == null ? "no outcome reported" : o),
                        1,
                        Integer::sum);
            }
            versions.merge(b.runningVersion(), 1, Integer::sum);
        }
        long brokerBytes = -1;
        if (broker0 >= 0) {
            sys.awaitFresh(Duration.ofSeconds(3));
            brokerBytes = sys.total() - broker0;
        }
        return new Result(
                u.name(),
                boards.size(),
                committed,
                rolledBack,
                bricked,
                failed,
                seconds,
                reasons,
                failures,
                images == null || u.url() != null ? -1 : images.bytesServed() - served0,
                versions,
                brokerBytes,
                memoryPerDevice);
    }

    /** Latest values of a Mosquitto's {@code $SYS/broker/bytes/received} and {@code .../sent}. */
    private static final class BrokerBytes {
        private long received = -1;
        private long sent = -1;
        private long updates;

        synchronized void update(String topic, byte[] payload) {
            try {
                long v =
                        Long.parseLong(
                                new String(payload, java.nio.charset.StandardCharsets.US_ASCII)
                                        .trim());
                if (topic.endsWith("/received")) {
                    received = v;
                } else if (topic.endsWith("/sent")) {
                    sent = v;
                }
                updates++;
                notifyAll();
            } catch (NumberFormatException e) {
                // not a counter
            }
        }

        synchronized long total() {
            return received < 0 || sent < 0 ? -1 : received + sent;
        }

        synchronized void awaitFresh(Duration d) throws InterruptedException {
            long seen = updates;
            long end = System.nanoTime() + d.toNanos();
            while (updates < seen + 2 && System.nanoTime() < end) {
                wait(Math.max(1, (end - System.nanoTime()) / 1_000_000));
            }
        }
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    /** The last OTA outcome the device recorded (OTA.Status "result"), or a missing node. */
    private static JsonNode lastResult(Board b) {
        try {
            return b.rpc("OTA.Status", null).path("result");
        } catch (Exception e) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
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
