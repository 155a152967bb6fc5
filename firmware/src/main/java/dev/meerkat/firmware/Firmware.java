package dev.meerkat.firmware;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.boot.BootControl;
import dev.meerkat.boot.BootMode;
import dev.meerkat.boot.BootResult;
import dev.meerkat.boot.FlashLayout;
import dev.meerkat.firmware.agent.aws.AwsJobsAgent;
import dev.meerkat.firmware.agent.ddi.DdiAgent;
import dev.meerkat.firmware.agent.poll.HttpUpdateAgent;
import dev.meerkat.firmware.app.App;
import dev.meerkat.firmware.app.AppBundle;
import dev.meerkat.firmware.app.AppContext;
import dev.meerkat.firmware.app.FirmwareImage;
import dev.meerkat.firmware.config.Config;
import dev.meerkat.firmware.config.ConfigLayers;
import dev.meerkat.firmware.crypto.SecureElement;
import dev.meerkat.firmware.device.DeviceContext;
import dev.meerkat.firmware.device.Library;
import dev.meerkat.firmware.device.Network;
import dev.meerkat.firmware.fs.FileStore;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.firmware.mqtt.Backoff;
import dev.meerkat.firmware.mqtt.MqttLink;
import dev.meerkat.firmware.ota.OtaRpc;
import dev.meerkat.firmware.ota.OtaUpdate;
import dev.meerkat.firmware.rpc.HttpRpcServer;
import dev.meerkat.firmware.rpc.RpcAuthenticator;
import dev.meerkat.firmware.rpc.RpcCredential;
import dev.meerkat.firmware.rpc.RpcDispatcher;
import dev.meerkat.firmware.rpc.RpcEndpoint;
import dev.meerkat.firmware.rpc.RpcHandler;
import dev.meerkat.firmware.rpc.RpcSecurity;
import dev.meerkat.firmware.rpc.RpcTls;
import dev.meerkat.hal.Device;
import dev.meerkat.hal.FlashArea;
import dev.meerkat.hal.ResetCause;
import dev.meerkat.hal.ResetException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * One run of the firmware on a {@link Board}, from the bootloader's jump to the next reset.
 *
 * <p>{@link #run()} performs the init sequence of Mongoose OS's {@code mgos_init}: hal, config,
 * crypto, network, libraries (by order), the application, then the INIT_DONE hooks. Any failure
 * reboots the device at once (a fault reset), so a new firmware that cannot initialise is reverted
 * by the bootloader. Then it runs the main loop: one thread executes every task (RPC requests,
 * timers, download steps), so device state needs no locking. Device time is the board's virtual
 * clock; the loop advances it with the host's time, at most 1 s per turn.
 *
 * <p>Libraries get this run as a {@link DeviceContext}; the application gets the narrower {@link
 * AppContext}.
 */
public final class Firmware implements DeviceContext {

    /** Defaults of the runtime's own configuration keys; the application's conf0 adds to them. */
    static final String SYSTEM_DEFAULTS =
            """
            {"device": {"id": "", "platform": "meerkat-sim"},
             "debug": {"level": 2},
             "mqtt": {"enable": false, "server": "", "client_id": "", "ssl_ca_cert": "", "keep_alive": 30,
                      "user": "", "pass": "", "reconnect_timeout_min": 500, "reconnect_timeout_max": 30000,
                      "queue_max": 64, "handshake_timeout": 25},
             "http": {"enable": false, "listen_addr": "127.0.0.1:0", "ssl_cert": "", "ssl_key": "", "ssl_ca_cert": ""},
             "rpc": {"enable": true, "auth_domain": "meerkat", "auth_file": "rpc_auth.txt", "acl_file": "",
                     "mqtt_sources": ""},
             "ota": {"commit_timeout": 0, "allow_downgrade": false, "chunk": 16384, "checkpoint": 16384,
                     "retries": 8, "ssl_ca_cert": ""},
             "update": {"enable": false, "url": "", "interval": 3600, "token": ""},
             "ddi": {"enable": false, "server": "", "tenant": "DEFAULT", "controller_id": "", "token": ""},
             "aws": {"enable": false, "server": "", "thing_name": "", "ssl_ca_cert": "", "file_path": "/fw.bin",
                     "poll_interval": 60}}
            """;

    private final Board board;
    private final BootResult.Jump jump;
    private final Device device;
    private final BootControl control;
    private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final PriorityQueue<Timer> timers =
            new PriorityQueue<>(Comparator.comparingLong(Timer::due));
    private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
    private final List<Runnable> initDone = new ArrayList<>();
    private final long bootMillis;
    private volatile boolean stop;
    private volatile boolean running;
    private AppBundle bundle;
    private Config config;
    private RpcDispatcher rpc;
    private RpcAuthenticator rpcAuth;
    private MqttLink mqtt;
    private HttpRpcServer http;
    private App app;

    /** Libraries of this boot; those holding threads or sockets are closed at reset. */
    private final List<Library> libraries = new ArrayList<>();

    private String deviceId;
    private long timerSeq;

    private record Timer(long due, long seq, long period, Runnable task) {}

    Firmware(Board board, BootResult.Jump jump) {
        this.board = board;
        this.jump = jump;
        this.device = board.device();
        this.control = new BootControl(device, board.layout(), board.bootConfig());
        this.bootMillis = device.clock().millis();
        this.deviceId = board.id();
    }

    // ---------------------------------------------------------------- init sequence

    /** Init, then the main loop until a reset (thrown) or {@link #requestStop()}. */
    void run() {
        init();
        running = true;
        loop();
    }

    private void init() {
        step(
                "hal",
                () -> {
                    log(
                            "boot: "
                                    + jump.mode()
                                    + " boot of slot "
                                    + jump.slot()
                                    + " "
                                    + jump.image().version()
                                    + ", reset cause "
                                    + device.lastResetCause());
                    device.watchdog().kick();
                });
        step(
                "config",
                () -> {
                    bundle = readBundle();
                    loadConfig();
                });
        step(
                "crypto",
                () -> {
                    SecureElement se = board.secureElement();
                    if (config.getString("mqtt.server").startsWith("ssl://")) {
                        se.tlsKeyManagers();
                    }
                    log(
                            "crypto: "
                                    + se.kind()
                                    + (se.certificate().isPresent()
                                            ? ", device certificate "
                                                    + se.certificate()
                                                            .get()
                                                            .getSubjectX500Principal()
                                                            .getName()
                                            : ", no certificate"));
                });
        step(
                "network",
                () -> {
                    try {
                        startNetwork();
                    } catch (Exception e) {
                        // a configuration that stops the network must not brick the device: retry
                        // with the last good one
                        stopNetwork();
                        Optional<String> fallback = new ConfigLayers(board.files()).fallBack();
                        if (fallback.isEmpty()) {
                            throw e;
                        }
                        log("config: network init failed (" + e + "); " + fallback.get());
                        loadConfig();
                        startNetwork();
                    }
                });
        List<Library> libs = new ArrayList<>();
        libs.add(new SysLibrary());
        OtaUpdate ota = new OtaUpdate();
        libs.add(ota);
        libs.add(new OtaRpc(ota));
        libs.add(new HttpUpdateAgent(ota));
        libs.add(new DdiAgent(ota));
        libs.add(new AwsJobsAgent(ota, device.rootOfTrust(), board.scheduler()));
        libs.addAll(board.updateChannels(ota));
        libs.addAll(board.extraLibraries());
        libs.sort(Comparator.comparingInt(Library::order));
        libraries.addAll(libs);
        for (Library l : libs) {
            step("library " + l.name(), () -> l.init(this));
        }
        step(
                "app " + bundle.name() + " " + bundle.version(),
                () -> {
                    app = bundle.instantiate(Firmware.class.getClassLoader());
                    app.init(new Context());
                });
        step(
                "init done",
                () -> {
                    for (Runnable r : initDone) {
                        r.run();
                    }
                });
        board.files().delete("boot-error.json");
        new ConfigLayers(board.files()).recordGood();
        log("init done: " + bundle.name() + " " + bundle.version());
    }

    private void stopNetwork() {
        if (mqtt != null) {
            mqtt.close();
            mqtt = null;
        }
        if (http != null) {
            http.close();
            http = null;
            board.httpPort(-1);
        }
    }

    private void loadConfig() {
        ObjectNode defaults = (ObjectNode) Json.parse(SYSTEM_DEFAULTS);
        JsonNode conf0 = Json.parse(bundle.conf0());
        if (!(conf0 instanceof ObjectNode c0)) {
            throw new IllegalStateException("conf0.json is not a JSON object");
        }
        merge(defaults, c0);
        config = new Config(defaults, board.files());
        config.warnings().forEach(w -> log("config: " + w));
        deviceId =
                config.getString("device.id").isEmpty()
                        ? board.id()
                        : config.getString("device.id");
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    private void step(String name, Step s) {
        try {
            s.run();
        } catch (ResetException e) {
            throw e;
        } catch (Throwable e) {
            String why = "init failed in " + name + ": " + e;
            log(why);
            ObjectNode err = Json.object();
            err.put("step", name);
            err.put("error", String.valueOf(e));
            err.put("version", FirmwareImage.versionString(jump.image().version()));
            err.put("mode", jump.mode().name());
            board.files().write("boot-error.json", Json.bytes(err));
            throw Device.fault(why);
        }
    }

    private void startNetwork() throws Exception {
        rpc = new RpcDispatcher(deviceId);
        rpcAuth = RpcSecurity.authenticator(config, board.files(), deviceId, this::log);
        if (config.getBool("http.enable")) {
            String addr = config.getString("http.listen_addr");
            int colon = addr.lastIndexOf(':');
            SSLContext tls =
                    RpcTls.serverContext(
                                    board.files(),
                                    config.getString("http.ssl_cert"),
                                    config.getString("http.ssl_key"),
                                    config.getString("http.ssl_ca_cert"))
                            .orElse(null);
            http =
                    new HttpRpcServer(
                            new InetSocketAddress(
                                    addr.substring(0, colon),
                                    Integer.parseInt(addr.substring(colon + 1))),
                            new RpcEndpoint(rpc, rpcAuth, this::onLoop),
                            tls,
                            !config.getString("http.ssl_ca_cert").isEmpty());
            board.httpPort(http.port());
            log(
                    "http: RPC on "
                            + (tls == null ? "http" : "https")
                            + "://"
                            + addr.substring(0, colon)
                            + ":"
                            + http.port()
                            + "/rpc");
        }
        if (config.getBool("mqtt.enable") && !config.getString("mqtt.server").isEmpty()) {
            startMqtt();
        }
    }

    private AppBundle readBundle() {
        FlashArea area = board.layout().slot(jump.slot());
        int hs = jump.image().header().headerSize();
        long size = jump.image().header().imageSize();
        return AppBundle.fromJar(area.read(hs, (int) size));
    }

    private static void merge(ObjectNode into, ObjectNode from) {
        from.fields()
                .forEachRemaining(
                        f -> {
                            JsonNode cur = into.get(f.getKey());
                            if (cur instanceof ObjectNode c
                                    && f.getValue() instanceof ObjectNode o) {
                                merge(c, o);
                            } else {
                                into.set(f.getKey(), f.getValue().deepCopy());
                            }
                        });
    }

    private void startMqtt() throws Exception {
        String server = config.getString("mqtt.server");
        javax.net.SocketFactory sf = null;
        if (server.startsWith("ssl://")) {
            sf =
                    board.network()
                            .tlsContext(config.getString("mqtt.ssl_ca_cert"), true)
                            .getSocketFactory();
        }
        String clientId =
                config.getString("mqtt.client_id").isEmpty()
                        ? deviceId
                        : config.getString("mqtt.client_id");
        MqttLink.Settings s =
                new MqttLink.Settings(
                        server,
                        clientId,
                        sf,
                        config.getInt("mqtt.keep_alive"),
                        config.getInt("mqtt.queue_max"),
                        config.getString("mqtt.user"),
                        config.getString("mqtt.pass").toCharArray(),
                        config.getInt("mqtt.handshake_timeout"));
        Backoff b =
                new Backoff(
                        config.getLong("mqtt.reconnect_timeout_min"),
                        config.getLong("mqtt.reconnect_timeout_max"),
                        new Random(deviceId.hashCode() ^ System.nanoTime()));
        mqtt = new MqttLink(s, b, board.scheduler(), List.of(deviceId + "/rpc"), this::mqttMessage);
        mqtt.start();
    }

    private void mqttMessage(String topic, byte[] payload) {
        JsonNode frame;
        try {
            frame = Json.parse(payload);
        } catch (IllegalArgumentException e) {
            return;
        }
        post(
                () -> {
                    ObjectNode resp =
                            rpcAuth.handle(rpc, frame, new RpcCredential.MqttTopic(topic));
                    if (resp != null && frame.hasNonNull("src")) {
                        mqtt.publish(frame.get("src").asText() + "/rpc", Json.bytes(resp), 1);
                    }
                });
    }

    private <T> T onLoop(Callable<T> task) {
        try {
            return submit(task).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("device did not answer: " + e, e);
        }
    }

    // ---------------------------------------------------------------- main loop

    private void loop() {
        long last = System.nanoTime();
        while (!stop) {
            Runnable task;
            try {
                task = queue.poll(board.tickMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = System.nanoTime();
            long elapsed = Math.min(1000, (now - last) / 1_000_000 * board.timeScale());
            last = now;
            advanceClock(elapsed);
            if (task != null) {
                task.run();
            }
            runTimers();
        }
    }

    private void advanceClock(long millis) {
        device.watchdog().kick();
        if (millis > 0) {
            device.clock().advanceMillis(millis);
        }
        device.watchdog().kick();
    }

    private void runTimers() {
        long now = device.clock().millis();
        while (!timers.isEmpty() && timers.peek().due() <= now) {
            Timer t = timers.poll();
            if (t.period() > 0) {
                timers.add(new Timer(t.due() + t.period(), timerSeq++, t.period(), t.task()));
            }
            t.task().run();
        }
    }

    /**
     * Lets {@code d} of device time pass at once (in steps, timers firing on the way); main loop
     * only.
     */
    void advance(Duration d) {
        long left = d.toMillis();
        while (left > 0) {
            long step = Math.min(500, left);
            advanceClock(step);
            left -= step;
            runTimers();
        }
    }

    /** Runs {@code task} on the main loop. */
    public void post(Runnable task) {
        queue.add(task);
    }

    /** Runs {@code c} on the main loop; the future fails if the device resets first. */
    public <T> CompletableFuture<T> submit(Callable<T> c) {
        CompletableFuture<T> f = new CompletableFuture<>();
        pending.add(f);
        if (stop) {
            f.completeExceptionally(new IllegalStateException("device is not running"));
        }
        post(
                () -> {
                    try {
                        f.complete(c.call());
                    } catch (ResetException e) {
                        f.completeExceptionally(e);
                        throw e;
                    } catch (Throwable e) {
                        f.completeExceptionally(e);
                    } finally {
                        pending.remove(f);
                    }
                });
        return f;
    }

    /** Runs {@code task} after {@code delayMillis} of device time; main loop only. */
    public void schedule(long delayMillis, Runnable task) {
        timers.add(new Timer(device.clock().millis() + delayMillis, timerSeq++, 0, task));
    }

    /** Runs {@code task} every {@code periodMillis} of device time; main loop only. */
    public void every(long periodMillis, Runnable task) {
        timers.add(
                new Timer(device.clock().millis() + periodMillis, timerSeq++, periodMillis, task));
    }

    /** Reboots (software reset) after {@code delayMillis} so that replies can leave first. */
    public void rebootAfter(long delayMillis, String why) {
        log("reboot in " + delayMillis + " ms: " + why);
        schedule(
                delayMillis,
                () -> {
                    throw Device.reboot(why);
                });
    }

    void requestStop() {
        stop = true;
        post(() -> {});
    }

    /** Releases network resources after the run ended (any thread). */
    void shutdown() {
        stop = true;
        running = false;
        for (CompletableFuture<?> f : pending) {
            f.completeExceptionally(new IllegalStateException("device reset"));
        }
        queue.clear();
        for (Library l : libraries) {
            try {
                l.stop();
            } catch (RuntimeException e) {
                // a library that cannot stop cannot stop the reset
            }
        }
        if (app != null) {
            try {
                app.stop();
            } catch (RuntimeException e) {
                // a stopping application cannot stop the reset
            }
        }
        if (mqtt != null) {
            mqtt.close();
        }
        if (http != null) {
            http.close();
            board.httpPort(-1);
        }
    }

    // ---------------------------------------------------------------- services

    public Board board() {
        return board;
    }

    public Device device() {
        return device;
    }

    @Override
    public FlashLayout layout() {
        return board.layout();
    }

    @Override
    public ResetCause resetCause() {
        return device.lastResetCause();
    }

    @Override
    public long securityCounter() {
        return device.counters().read(board.bootConfig().counterId());
    }

    @Override
    public Network network() {
        return board.network();
    }

    public BootControl control() {
        return control;
    }

    public BootResult.Jump jump() {
        return jump;
    }

    public boolean testBoot() {
        return jump.mode() == BootMode.TEST;
    }

    public Config config() {
        return config;
    }

    public FileStore files() {
        return board.files();
    }

    public RpcDispatcher rpc() {
        return rpc;
    }

    public AppBundle bundle() {
        return bundle;
    }

    public SecureElement secureElement() {
        return board.secureElement();
    }

    public String deviceId() {
        return deviceId;
    }

    public Optional<MqttLink> mqtt() {
        return Optional.ofNullable(mqtt);
    }

    /** Whether the main loop is running (init finished). */
    public boolean isRunning() {
        return running;
    }

    /** Device time since this boot. */
    public Duration uptime() {
        return Duration.ofMillis(device.clock().millis() - bootMillis);
    }

    /** Healthy: the application says so and, when MQTT is configured, it is connected. */
    public boolean healthy() {
        boolean appOk;
        try {
            appOk = app == null || app.healthy();
        } catch (RuntimeException e) {
            appOk = false;
        }
        return appOk && (mqtt == null || mqtt.isConnected());
    }

    /**
     * Publishes on {@code <device.id>/<subtopic>} (queued while offline) and tells the board's
     * listener.
     */
    public void publish(String subtopic, JsonNode payload) {
        board.listener().event(deviceId, subtopic, payload);
        if (mqtt != null) {
            mqtt.publish(deviceId + "/" + subtopic, Json.bytes(payload), 1);
        }
    }

    public void onInitDone(Runnable hook) {
        initDone.add(hook);
    }

    public void log(String line) {
        board.listener().log(deviceId, line);
    }

    /** The context handed to the application. */
    private final class Context implements AppContext {
        @Override
        public String deviceId() {
            return deviceId;
        }

        @Override
        public String appVersion() {
            return bundle.version();
        }

        @Override
        public Config config() {
            return config;
        }

        @Override
        public FileStore files() {
            return board.files();
        }

        @Override
        public void addRpcHandler(String method, RpcHandler handler) {
            rpc.add(method, handler);
        }

        @Override
        public void publish(String subtopic, JsonNode payload) {
            Firmware.this.publish(subtopic, payload);
        }

        @Override
        public void every(Duration period, Runnable task) {
            Firmware.this.every(period.toMillis(), task);
        }

        @Override
        public void onInitDone(Runnable hook) {
            Firmware.this.onInitDone(hook);
        }

        @Override
        public Duration uptime() {
            return Firmware.this.uptime();
        }

        @Override
        public void log(String message) {
            Firmware.this.log(bundle.name() + ": " + message);
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
