package dev.meerkat.fleet;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The servers a replicated fleet service uses, started once per test JVM on free loopback ports: a
 * throwaway PostgreSQL cluster (Debian's binaries; as the postgres user when run as root) and an
 * in-process S3Proxy that checks AWS signatures, including those of presigned URLs.
 */
public class PostgresS3Resource implements QuarkusTestResourceLifecycleManager {
    public static final String ACCESS_KEY = "fleet-test-access";
    public static final String SECRET_KEY = "fleet-test-secret-key";
    public static final String BUCKET = "meerkat-releases";
    private static Map<String, String> config;
    private static int pgPort;
    private static String s3Endpoint;
    private static int mqttPort;

    private static Path mqttDir;

    /** The broker's mTLS listener. */
    public static synchronized String mqttUri() {
        return "ssl://127.0.0.1:" + mqttPort;
    }

    public static synchronized String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres";
    }

    public static synchronized String s3Endpoint() {
        return s3Endpoint;
    }

    @Override
    public synchronized Map<String, String> start() {
        if (config != null) return config;
        try {
            pgPort = freePort();
            startPostgres(pgPort);
            startS3();
            startMosquitto();
            Path data =
                    Files.createTempDirectory(
                            Files.createDirectories(Path.of("target").toAbsolutePath()),
                            "fleet-pg");
            config =
                    Map.ofEntries(
                            Map.entry("quarkus.datasource.h2.active", "false"),
                            Map.entry("quarkus.datasource.pg.active", "true"),
                            Map.entry("quarkus.datasource.pg.jdbc.url", jdbcUrl()),
                            Map.entry("quarkus.datasource.pg.username", "meerkat"),
                            Map.entry("quarkus.datasource.pg.password", "unused"),
                            Map.entry("meerkat.fleet.data-dir", data.toString()),
                            Map.entry(
                                    "meerkat.fleet.release-keys",
                                    TestReleases.trustedKeyDir().toString()),
                            Map.entry("meerkat.fleet.storage.kind", "s3"),
                            Map.entry("meerkat.fleet.storage.endpoint", s3Endpoint),
                            Map.entry("meerkat.fleet.storage.access-key", ACCESS_KEY),
                            Map.entry("meerkat.fleet.storage.secret-key", SECRET_KEY),
                            Map.entry("meerkat.fleet.storage.presign-ttl", "PT5M"),
                            Map.entry("meerkat.fleet.engine.tick", "PT0.1S"),
                            Map.entry("meerkat.fleet.ddi.polling-sleep", "PT1S"),
                            Map.entry("meerkat.fleet.mqtt.server", mqttUri()),
                            Map.entry(
                                    "meerkat.fleet.mqtt.ca-file",
                                    mqttDir.resolve("ca.pem").toString()),
                            Map.entry(
                                    "meerkat.fleet.mqtt.client-p12",
                                    mqttDir.resolve("fleet-service.p12").toString()),
                            Map.entry("meerkat.fleet.mqtt.client-p12-password", "fleet-test"),
                            Map.entry("meerkat.fleet.mqtt.resend-after", "PT3S"),
                            Map.entry(
                                    "mp.jwt.verify.publickey.location",
                                    TestTokens.publicKeyFile().toString()));
            return config;
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot start PostgreSQL/S3Proxy for the tests: " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        // Both servers live for the whole test JVM; a shutdown hook stops PostgreSQL.
    }

    public static synchronized String startS3() throws Exception {
        if (s3Endpoint != null) return s3Endpoint;
        int port = freePort();
        s3Port = port;
        blobs = new TransientNio2BlobStore();
        runS3();
        String endpoint = "http://127.0.0.1:" + port;
        try (S3Client s3 =
                S3Client.builder()
                        .endpointOverride(URI.create(endpoint))
                        .region(Region.US_EAST_1)
                        .forcePathStyle(true)
                        .httpClient(UrlConnectionHttpClient.create())
                        .credentialsProvider(
                                StaticCredentialsProvider.create(
                                        AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                        .build()) {
            s3.createBucket(b -> b.bucket(BUCKET));
        }
        s3Endpoint = endpoint;
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    try {
                                        if (s3 != null) s3.stop();
                                    } catch (Exception ignored) {
                                        // best effort
                                    }
                                }));
        return endpoint;
    }

    /**
     * Mosquitto with mutual TLS and the ACL a fleet needs: every client presents a certificate of
     * the fleet's device CA ({@link MqttPki#FLEET}), and its CN is its identity ({@code
     * use_identity_as_username}), whatever user name or client id it claims. A device (CN = device
     * id) reads only its own {@code <id>/rpc}, publishes only its {@code <id>/ota} events and its
     * replies on {@code fleet/<id>/rpc}; {@code CN=fleet-service} may command every device and read
     * every report.
     */
    static void startMosquitto() throws Exception {
        mqttPort = freePort();
        Path dir = Files.createTempDirectory("fleet-mosquitto");
        mqttDir = dir;
        MqttPki pki = MqttPki.FLEET;
        MqttPki.Issued server = pki.issue("127.0.0.1", true);
        MqttPki.writeString(dir.resolve("ca.pem"), pki.caPem());
        MqttPki.writeString(dir.resolve("server.pem"), MqttPki.pem(server.cert()));
        Path key = dir.resolve("server.key");
        MqttPki.writeString(key, MqttPki.keyPem(server));
        MqttPki.writeP12(
                pki.issue("fleet-service", false),
                dir.resolve("fleet-service.p12"),
                "fleet-test".toCharArray());
        Path acl = dir.resolve("acl");
        Files.writeString(
                acl,
                "user fleet-service\ntopic write +/rpc\ntopic read +/ota\ntopic read fleet/+/rpc\n\n"
                        + "pattern read %u/rpc\npattern write %u/ota\npattern write fleet/%u/rpc\n");
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(
                conf,
                "listener "
                        + mqttPort
                        + " 127.0.0.1\ncafile "
                        + dir.resolve("ca.pem")
                        + "\ncertfile "
                        + dir.resolve("server.pem")
                        + "\nkeyfile "
                        + key
                        + "\nrequire_certificate true\nuse_identity_as_username true\n"
                        + "allow_anonymous false\nacl_file "
                        + acl
                        + "\npersistence false\nlog_dest file "
                        + dir.resolve("mosquitto.log")
                        + "\nlog_type error\nlog_type warning\n"
                        + "max_inflight_messages 0\nmax_queued_messages 100000\n");
        // Started as root, Mosquitto drops to its own user: it must be able to read these and write
        // its log; the server key is readable by the broker's user only.
        Files.setPosixFilePermissions(
                dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        for (Path p : List.of(acl, conf, dir.resolve("ca.pem"), dir.resolve("server.pem"))) {
            Files.setPosixFilePermissions(
                    p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
        Files.setPosixFilePermissions(
                key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        if ("root".equals(System.getProperty("user.name")))
            run(List.of("chown", "mosquitto:", key.toString()), false);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    Process m = mosquitto;
                                    if (m != null) m.destroy();
                                }));
        runMosquitto();
    }

    private static volatile Process mosquitto;

    private static void runMosquitto() throws IOException, InterruptedException {
        Path dir = mqttDir;
        Process p =
                new ProcessBuilder("mosquitto", "-c", dir.resolve("mosquitto.conf").toString())
                        .redirectErrorStream(true)
                        .redirectOutput(
                                ProcessBuilder.Redirect.appendTo(
                                        dir.resolve("stdout.log").toFile()))
                        .start();
        mosquitto = p;
        for (int i = 0; i < 200; i++) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", mqttPort)) {
                return;
            } catch (IOException notYet) {
                if (!p.isAlive())
                    throw new IOException(
                            "mosquitto exited: " + Files.readString(dir.resolve("stdout.log")));
                Thread.sleep(50);
            }
        }
        throw new IOException("mosquitto did not listen on " + mqttPort);
    }

    private static void startPostgres(int port) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("fleet-pg");
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) run(List.of("chown", "-R", "postgres:", dir.toString()), false);
        Path bin = pgBin();
        Path data = dir.resolve("data");
        pgDir = dir;
        run(
                List.of(
                        bin.resolve("initdb").toString(),
                        "-D",
                        data.toString(),
                        "-A",
                        "trust",
                        "-U",
                        "meerkat",
                        "-E",
                        "UTF8",
                        "--no-sync"),
                root);
        pgCtl("start");
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    try {
                                        run(
                                                List.of(
                                                        bin.resolve("pg_ctl").toString(),
                                                        "-D",
                                                        data.toString(),
                                                        "-m",
                                                        "immediate",
                                                        "-w",
                                                        "stop"),
                                                root);
                                    } catch (Exception ignored) {
                                        // best effort
                                    }
                                    try (Stream<Path> s = Files.walk(dir)) {
                                        s.sorted(Comparator.reverseOrder())
                                                .forEach(f -> f.toFile().delete());
                                    } catch (IOException ignored) {
                                        // best effort
                                    }
                                }));
    }

    static Path pgBin() throws IOException {
        String env = System.getenv("MEERKAT_PG_BIN");
        if (env != null) return Path.of(env);
        try (Stream<Path> s = Files.list(Path.of("/usr/lib/postgresql"))) {
            return s.sorted(Comparator.reverseOrder())
                    .map(p -> p.resolve("bin"))
                    .filter(p -> Files.isExecutable(p.resolve("initdb")))
                    .findFirst()
                    .orElseThrow(
                            () ->
                                    new IllegalStateException(
                                            "no PostgreSQL under /usr/lib/postgresql"));
        }
    }

    static String run(List<String> cmd, boolean asPostgres)
            throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgres) full.addAll(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(cmd);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0)
            throw new IOException(String.join(" ", full) + ": " + out);
        return out;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    // ---------------------------------------------------------------- outages (readiness tests)

    private static Path pgDir;
    private static int s3Port;
    private static org.gaul.s3proxy.blobstore.BlobStore blobs;
    private static volatile S3Proxy s3;

    private static void pgCtl(String action) throws IOException, InterruptedException {
        boolean root = "root".equals(System.getProperty("user.name"));
        List<String> cmd = new ArrayList<>();
        cmd.addAll(
                List.of(
                        pgBin().resolve("pg_ctl").toString(),
                        "-D",
                        pgDir.resolve("data").toString(),
                        "-l",
                        pgDir.resolve("log").toString(),
                        "-w"));
        if (action.equals("start")) {
            cmd.addAll(
                    List.of(
                            "-o",
                            "-p "
                                    + pgPort
                                    + " -k "
                                    + pgDir
                                    + " -c listen_addresses=127.0.0.1 -c fsync=off"
                                    + " -c synchronous_commit=off -c full_page_writes=off"
                                    + " -c max_connections=200 "
                                    // a benchmark may add its own (e.g. statement statistics)
                                    + System.getProperty("bench.pg-options", "")));
        } else {
            cmd.addAll(List.of("-m", "fast"));
        }
        cmd.add(action);
        run(cmd, root);
    }

    /** Stops PostgreSQL (its data stays). */
    public static synchronized void stopPostgres() throws Exception {
        pgCtl("stop");
    }

    /** Starts PostgreSQL again on the same port and data. */
    public static synchronized void startPostgresAgain() throws Exception {
        pgCtl("start");
    }

    /** Stops the broker. */
    public static synchronized void stopBroker() throws Exception {
        Process p = mosquitto;
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
    }

    /** Starts the broker again on the same port. */
    public static synchronized void startBrokerAgain() throws Exception {
        runMosquitto();
    }

    /** Stops the S3 server (its objects stay in memory). */
    public static synchronized void stopS3() throws Exception {
        s3.stop();
        for (int i = 0; i < 100 && !"STOPPED".equals(s3.getState()); i++) Thread.sleep(50);
    }

    /** Starts the S3 server again on the same port, with the same objects. */
    public static synchronized void startS3Again() throws Exception {
        runS3();
    }

    private static void runS3() throws Exception {
        S3Proxy proxy =
                S3Proxy.builder()
                        .blobStore(blobs)
                        .endpoint(URI.create("http://127.0.0.1:" + s3Port))
                        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                        .build();
        proxy.start();
        for (int i = 0; i < 100 && !"STARTED".equals(proxy.getState()); i++) Thread.sleep(50);
        s3 = proxy;
    }
}
