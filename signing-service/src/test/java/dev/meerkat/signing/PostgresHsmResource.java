package dev.meerkat.signing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Starts a throwaway PostgreSQL cluster on 127.0.0.1 (Debian's postgresql; as an unprivileged user
 * when running as root) and a fresh SoftHSM2 token, once per test JVM, and points the service at
 * both.
 */
public class PostgresHsmResource implements QuarkusTestResourceLifecycleManager {
    public static final String PIN = "4711";
    public static final String SOFTHSM_LIBRARY = "/usr/lib/softhsm/libsofthsm2.so";
    private static Map<String, String> config;
    private static Path pgDir;
    private static TestPki testCa;

    /** A PKCS#12 client key store issued by the CA the service trusts. */
    public static synchronized Path clientCertificate(String cn) throws Exception {
        return testCa.client(cn);
    }

    @Override
    public synchronized Map<String, String> start() {
        if (config != null) return config;
        try {
            int port = freePort();
            startPostgres(port);
            initToken();
            Path data = Files.createDirectories(Path.of("target", "service-pg").toAbsolutePath());
            Path pki = Files.createDirectories(data.resolve("pki"));
            TestPki ca = new TestPki(pki, "meerkat test CA");
            testCa = ca;
            Path[] server = ca.server();
            Path roles = pki.resolve("cert-roles.properties");
            Files.writeString(
                    roles,
                    "ci-bot=ci-pipeline\nsecurity-officer=auditor,approver\nstation-1=factory-station\n");
            config =
                    Map.ofEntries(
                            Map.entry("quarkus.tls.key-store.pem.0.cert", server[0].toString()),
                            Map.entry("quarkus.tls.key-store.pem.0.key", server[1].toString()),
                            Map.entry("quarkus.tls.trust-store.pem.certs", ca.caPem().toString()),
                            Map.entry("quarkus.http.test-ssl-port", "0"),
                            Map.entry("meerkat.mtls.roles-file", roles.toString()),
                            Map.entry("quarkus.datasource.h2.active", "false"),
                            Map.entry("quarkus.datasource.pg.active", "true"),
                            Map.entry(
                                    "quarkus.datasource.pg.jdbc.url",
                                    "jdbc:postgresql://127.0.0.1:" + port + "/postgres"),
                            Map.entry("quarkus.datasource.pg.username", "meerkat"),
                            Map.entry("quarkus.datasource.pg.password", "unused"),
                            Map.entry("meerkat.data-dir", data.toString()),
                            Map.entry(
                                    "meerkat.keystore.path",
                                    data.resolve("keys-" + System.nanoTime() + ".bcfks")
                                            .toString()),
                            Map.entry("meerkat.keystore.password", "test-keystore-password"),
                            Map.entry("meerkat.pkcs11.library", SOFTHSM_LIBRARY),
                            Map.entry("meerkat.pkcs11.pin", PIN),
                            Map.entry("meerkat.keys.default-backend", "pkcs11"),
                            Map.entry(
                                    "mp.jwt.verify.publickey.location",
                                    TestTokens.publicKeyFile().toString()));
            return config;
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot start PostgreSQL/SoftHSM2 for the tests: " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        // The cluster lives for the whole test JVM; a shutdown hook stops it.
    }

    static Path pgBin() {
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
                                            "no PostgreSQL in /usr/lib/postgresql"));
        } catch (IOException e) {
            throw new IllegalStateException(
                    "PostgreSQL is not installed (apt-get install postgresql)", e);
        }
    }

    private static void startPostgres(int port) throws IOException, InterruptedException {
        pgDir = Files.createTempDirectory("meerkat-pg");
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) run(List.of("chown", "-R", pgUser() + ":", pgDir.toString()), false);
        Path bin = pgBin();
        Path data = pgDir.resolve("data");
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
        run(
                List.of(
                        bin.resolve("pg_ctl").toString(),
                        "-D",
                        data.toString(),
                        "-l",
                        pgDir.resolve("log").toString(),
                        "-w",
                        "-o",
                        "-p "
                                + port
                                + " -k "
                                + pgDir
                                + " -c listen_addresses=127.0.0.1 -c fsync=off"
                                + " -c synchronous_commit=off -c full_page_writes=off",
                        "start"),
                root);
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
                                    deleteTree(pgDir);
                                }));
    }

    private static String pgUser() {
        try {
            Process p =
                    new ProcessBuilder("id", "-u", "postgres").redirectErrorStream(true).start();
            return p.waitFor() == 0 ? "postgres" : "nobody";
        } catch (IOException | InterruptedException e) {
            return "nobody";
        }
    }

    /** A fresh token: SOFTHSM2_CONF (set for the test JVM by the build) names where it lives. */
    private static void initToken() throws IOException, InterruptedException {
        String conf = System.getenv("SOFTHSM2_CONF");
        if (conf == null)
            throw new IllegalStateException(
                    "SOFTHSM2_CONF is not set; run the tests through Maven");
        Path confFile = Path.of(conf);
        Path tokens = confFile.getParent().resolve("tokens");
        deleteTree(tokens);
        Files.createDirectories(tokens);
        Files.writeString(
                confFile,
                "directories.tokendir = "
                        + tokens
                        + "\nobjectstore.backend = file\nlog.level = ERROR\n"
                        + "slots.removable = false\n",
                StandardCharsets.US_ASCII);
        run(
                List.of(
                        "softhsm2-util",
                        "--init-token",
                        "--free",
                        "--label",
                        "meerkat",
                        "--pin",
                        PIN,
                        "--so-pin",
                        "123456"),
                false);
    }

    static String run(List<String> cmd, boolean asPgUser) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPgUser) {
            full.addAll(List.of("runuser", "-u", pgUser(), "--"));
        }
        full.addAll(cmd);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", full) + " failed: " + out);
        }
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static void deleteTree(Path p) {
        if (p == null || !Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
