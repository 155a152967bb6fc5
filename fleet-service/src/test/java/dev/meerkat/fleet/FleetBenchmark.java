package dev.meerkat.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.firmware.crypto.SoftwareSecureElement;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.fleetsim.EmulatedFleet;
import dev.meerkat.fleetsim.FleetSimulator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The fleet-service benchmarks of BENCHMARKS.md, in one run (not part of {@code mvn verify}: run
 * {@code fleet-service/bench/fleet-bench.sh}). On one PostgreSQL, one Mosquitto (with the fleet
 * ACL) and one S3Proxy bucket, with the packaged service as separate processes:
 *
 * <ol>
 *   <li>reference: today's direct path, {@code meerkat fleet simulate --devices N} (embedded
 *       broker, no service);
 *   <li>(a) N emulated firmware boards updated through fleet-service and Mosquitto: time until all
 *       committed;
 *   <li>(b) M lightweight MQTT devices in a 3-phase deployment: execution state changes per second
 *       written into PostgreSQL and time until all final; then a second such rollout on the same
 *       replica (its code compiled for this work);
 *   <li>(c) the same with two replicas sharing the reports through the MQTT shared subscription.
 * </ol>
 *
 * Sizes: {@code -Dbench.boards} (1000), {@code -Dbench.light} (10000). Results: stdout and {@code
 * target/fleet-bench.md}.
 */
class FleetBenchmark {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static final int IMAGE_SIZE = 65536;

    private final List<String> report = new ArrayList<>();

    @Test
    void fleetServiceAtScale() throws Exception {
        int boards = Integer.getInteger("bench.boards", 1000);
        int light = Integer.getInteger("bench.light", 10000);
        line("# fleet-service benchmark (" + java.time.Instant.now() + ")");
        line("cores " + Runtime.getRuntime().availableProcessors() + ", load " + load());

        if (boards > 0) reference(boards);

        Map<String, String> config = new HashMap<>(new PostgresS3Resource().start());
        config.put(
                "meerkat.fleet.data-dir",
                Files.createTempDirectory(Path.of("target").toAbsolutePath(), "bench").toString());
        config.put("meerkat.fleet.mqtt.resend-after", "PT30S");
        config.put("meerkat.fleet.engine.tick", "PT0.2S");
        List<Process> replicas = new ArrayList<>();
        try {
            ReplicaKillIT.Replica a = start(config, "a");
            replicas.add(a.process());
            ReplicaKillIT.awaitReady(a);
            upload(
                    a.url(),
                    "bench-v2",
                    ExampleApps.image("v2", TestReleases.TRUSTED, null, IMAGE_SIZE));
            if (boards > 0) boards(a.url(), boards);
            if (light > 0) {
                List<String> ids = register(a.url(), "l-", light);
                group(a.url(), "light", ids);
                try (LightDevices devices = new LightDevices("2.0.0", Duration.ofMillis(200))) {
                    long t0 = System.nanoTime();
                    URI mqtt = URI.create(PostgresS3Resource.mqttUri());
                    devices.connect(mqtt.getHost(), mqtt.getPort(), ids, Duration.ofMinutes(5));
                    line(
                            String.format(
                                    "(b/c) %d lightweight MQTT devices connected and subscribed in %.1f s",
                                    light, secs(t0)));
                    phased(
                            a.url(),
                            "light-1",
                            "bench-v2",
                            "(b) 1 replica ",
                            light,
                            devices,
                            cpu(replicas));
                    // the same again on the same replica, its code now compiled for this work: a
                    // service that has been up for a while, as a production one is
                    upload(a.url(), "bench-v2b", TestReleases.image("2.1.0"));
                    phased(
                            a.url(),
                            "light-1b",
                            "bench-v2b",
                            "(b) 2nd rollout",
                            light,
                            devices,
                            cpu(replicas));
                    ReplicaKillIT.Replica b = start(config, "b");
                    replicas.add(b.process());
                    ReplicaKillIT.awaitReady(b);
                    upload(b.url(), "bench-v3", TestReleases.image("3.0.0"));
                    phased(
                            b.url(),
                            "light-2",
                            "bench-v3",
                            "(c) 2 replicas",
                            light,
                            devices,
                            cpu(replicas));
                }
            }
            line("load at the end " + load());
        } finally {
            // a polite stop first, so a replica writes what it records on exit (a flight recording)
            for (Process p : replicas) p.destroy();
            for (Process p : replicas) {
                if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly();
            }
            Files.write(
                    Path.of("target", "fleet-bench.md"),
                    String.join("\n", report).concat("\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Today's direct path: the simulator tells every board itself, no service, no database. */
    private void reference(int n) throws Exception {
        FleetSimulator.Options o =
                new FleetSimulator.Options(
                        n,
                        null,
                        null,
                        TestReleases.TRUSTED,
                        false,
                        0,
                        0,
                        0,
                        IMAGE_SIZE,
                        1,
                        Duration.ofMinutes(10));
        FleetSimulator.Result r = new FleetSimulator(o, s -> {}).run();
        assertThat(r.committed()).isEqualTo(n);
        line(
                String.format(
                        "reference: fleet simulate --devices %d (direct, embedded broker): all committed in %.1f s",
                        n, r.seconds()));
    }

    /** (a): emulated boards, told by the service through Mosquitto, download from S3Proxy. */
    private void boards(String url, int n) throws Exception {
        List<String> ids = register(url, "b-", n);
        group(url, "boards", ids);
        byte[] v1 = ExampleApps.image("v1", TestReleases.TRUSTED, null, IMAGE_SIZE);
        long tb = System.nanoTime();
        try (EmulatedFleet fleet =
                EmulatedFleet.boot(
                        ids,
                        PostgresS3Resource.mqttUri(),
                        TestReleases.TRUSTED,
                        v1,
                        IMAGE_SIZE + 4096L,
                        false,
                        Duration.ofMinutes(5),
                        s -> {},
                        id -> {
                            // the broker's identity for the device: a fleet CA certificate
                            MqttPki.Issued cert = MqttPki.FLEET.issue(id, false);
                            return new EmulatedFleet.BrokerIdentity(
                                    new SoftwareSecureElement(
                                            cert.keys().getPrivate(), List.of(cert.cert()), null),
                                    MqttPki.FLEET.caPem());
                        })) {
            line(String.format("(a) %d boards up on Mosquitto in %.1f s", n, secs(tb)));
            long t0 = System.nanoTime();
            create(url, "boards-v2", "bench-v2", "boards", List.of(Map.of()));
            JsonNode s =
                    await(
                            url,
                            "boards-v2",
                            Duration.ofSeconds(Long.getLong("bench.cap-seconds", 600)));
            double t = secs(t0);
            int succeeded = s.path("totals").path("SUCCEEDED").asInt();
            if (succeeded != n) {
                line(
                        String.format(
                                "(a) NOT FINISHED after %.0f s: %d of %d committed (%s)",
                                t, succeeded, n, s.path("totals")));
                return;
            }
            assertThat(fleet.runningVersions().values()).allMatch("2.0.0"::equals);
            line(
                    String.format(
                            "(a) %d boards through fleet-service + Mosquitto: all committed in %.1f s",
                            n, t));
        }
    }

    /** (b)/(c): a 3-phase deployment to the lightweight devices. */
    private void phased(
            String url,
            String id,
            String release,
            String label,
            int n,
            LightDevices devices,
            CpuMeter cpu)
            throws Exception {
        long before = devices.committed();
        boolean statements = resetStatements();
        Map<String, Double> cpuBefore = cpu.read();
        Map<String, Double> threadsBefore = cpu.serviceThreads();
        long t0 = System.nanoTime();
        create(
                url,
                id,
                release,
                "light",
                List.of(Map.of("percent", 1), Map.of("percent", 10), Map.of()));
        JsonNode s = await(url, id, Duration.ofSeconds(Long.getLong("bench.cap-seconds", 600)));
        double t = secs(t0);
        Map<String, Double> cpuUsed = cpu.since(cpuBefore);
        String threads = CpuMeter.largest(threadsBefore, cpu.serviceThreads(), 8);
        int succeeded = s.path("totals").path("SUCCEEDED").asInt();
        if (succeeded != n)
            line(
                    String.format(
                            "%s NOT FINISHED after %.0f s: %d of %d succeeded (%s)",
                            label, t, succeeded, n, s.path("totals")));
        long transitions;
        long audited;
        long peak;
        String busiest;
        try (Connection c = pg()) {
            transitions =
                    one(
                            c,
                            "SELECT SUM(version_number - 1) FROM executions WHERE deployment_id = '"
                                    + id
                                    + "'");
            // every state change has its audit entry, committed with it: their timestamps give the
            // rate at which changes were written, second by second (where the phases and the bulk
            // are), and from that the total and the busiest second
            audited = 0;
            peak = 0;
            busiest = "-";
            StringBuilder perSecond = new StringBuilder();
            try (ResultSet r =
                    c.createStatement()
                            .executeQuery(
                                    "SELECT date_trunc('second', at) AS s, COUNT(*) FROM audit_log"
                                            + " WHERE subject LIKE '"
                                            + id
                                            + "/%' AND action LIKE 'execution.%'"
                                            + " GROUP BY 1 ORDER BY 1")) {
                while (r.next()) {
                    long changes = r.getLong(2);
                    perSecond.append(' ').append(changes);
                    audited += changes;
                    if (changes > peak) {
                        peak = changes;
                        busiest = r.getString(1);
                    }
                }
            }
            line(label + " state changes per second:" + perSecond);
        }
        line(
                String.format(
                        "%s %d devices, phases 1%%/10%%/rest: %d final in %.1f s; %d execution state"
                                + " changes with %d audit entries: %,.0f/s over the whole rollout,"
                                + " %d in the busiest second (%s); devices told %d",
                        label,
                        n,
                        succeeded,
                        t,
                        transitions,
                        audited,
                        transitions / t,
                        peak,
                        busiest,
                        devices.committed() - before));
        line(label + " CPU during the rollout: " + CpuMeter.describe(cpuUsed, t, transitions));
        line(label + " service threads by CPU: " + threads);
        if (statements) line(label + " PostgreSQL statements by total time:\n" + statements());
    }

    private static CpuMeter cpu(List<Process> replicas) {
        return new CpuMeter(
                replicas.stream().map(Process::pid).collect(java.util.stream.Collectors.toSet()));
    }

    /**
     * Clears PostgreSQL's per-statement counters when the server was started with {@code
     * pg_stat_statements} ({@code PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements"});
     * false when it was not.
     */
    private static boolean resetStatements() throws Exception {
        try (Connection c = pg();
                var st = c.createStatement()) {
            try (ResultSet r =
                    st.executeQuery(
                            "SELECT current_setting('shared_preload_libraries')"
                                    + " LIKE '%pg_stat_statements%'")) {
                r.next();
                if (!r.getBoolean(1)) return false;
            }
            st.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            st.execute("SELECT pg_stat_statements_reset()");
            return true;
        }
    }

    /** The ten statements PostgreSQL spent most time in since the reset. */
    private static String statements() throws Exception {
        StringBuilder s = new StringBuilder();
        try (Connection c = pg();
                ResultSet r =
                        c.createStatement()
                                .executeQuery(
                                        "SELECT calls, rows, total_exec_time,"
                                                + " regexp_replace(query, '\\s+', ' ', 'g')"
                                                + " FROM pg_stat_statements"
                                                + " ORDER BY total_exec_time DESC LIMIT 10")) {
            while (r.next()) {
                String q = r.getString(4);
                s.append(
                        String.format(
                                "    %8.0f ms %7d calls %7d rows  %s%n",
                                r.getDouble(3),
                                r.getLong(1),
                                r.getLong(2),
                                q.length() > 400 ? q.substring(0, 400) + "…" : q));
            }
        }
        return s.toString().stripTrailing();
    }

    private static Connection pg() throws Exception {
        return DriverManager.getConnection(PostgresS3Resource.jdbcUrl(), "meerkat", "unused");
    }

    private static long one(Connection c, String sql) throws Exception {
        try (ResultSet r = c.createStatement().executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    private static ReplicaKillIT.Replica start(Map<String, String> config, String name)
            throws IOException {
        int port = PostgresS3Resource.freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        // e.g. a flight recording per replica ({name}: a, b):
        // -Dbench.replica-jvm="-XX:StartFlightRecording=filename=/tmp/replica-{name}.jfr"
        for (String arg : System.getProperty("bench.replica-jvm", "").split(" "))
            if (!arg.isBlank()) cmd.add(arg.replace("{name}", name));
        config.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-Dquarkus.http.port=" + port);
        cmd.add("-Dquarkus.log.level=WARN");
        cmd.add("-jar");
        cmd.add(Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().toString());
        Path log = Path.of("target", "bench-replica-" + name + ".log").toAbsolutePath();
        Process p =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        return new ReplicaKillIT.Replica(p, "http://127.0.0.1:" + port);
    }

    /**
     * Registers devices reached over MQTT in one request, as a factory's provisioning journal
     * (device id = chip serial, identity = certificate fingerprint).
     */
    private List<String> register(String url, String prefix, int n) throws Exception {
        List<String> ids = new ArrayList<>();
        StringBuilder journal = new StringBuilder();
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < n; i++) {
            String id = String.format("%s%05d", prefix, i);
            ids.add(id);
            journal.append("{\"serial\":\"")
                    .append(id)
                    .append("\",\"fingerprint\":\"")
                    .append(
                            java.util.HexFormat.of()
                                    .formatHex(sha.digest(id.getBytes(StandardCharsets.UTF_8))))
                    .append("\"}\n");
        }
        long t0 = System.nanoTime();
        HttpResponse<String> r =
                HTTP.send(
                        HttpRequest.newBuilder(
                                        URI.create(url + "/api/v1/devices/import?protocol=mqtt"))
                                .timeout(Duration.ofMinutes(5))
                                .header("Authorization", "Bearer " + Api.ADMIN)
                                .header("Content-Type", "text/plain")
                                .POST(HttpRequest.BodyPublishers.ofString(journal.toString()))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
        line(String.format("registered %d devices from a journal in %.1f s", n, secs(t0)));
        return ids;
    }

    private static void group(String url, String name, List<String> ids) throws Exception {
        call(url, "POST", "/api/v1/groups", Map.of("name", name, "members", ids), 201);
    }

    private static void create(
            String url, String id, String release, String group, List<Map<String, Object>> phases)
            throws Exception {
        call(
                url,
                "POST",
                "/api/v1/deployments",
                Map.of(
                        "id",
                        id,
                        "release",
                        release,
                        "group",
                        group,
                        "plan",
                        Map.of(
                                "phases",
                                phases,
                                "autoPause",
                                false,
                                "inProgressTimeoutSeconds",
                                600)),
                201);
    }

    private static JsonNode await(String url, String id, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            JsonNode s = call(url, "GET", "/api/v1/deployments/" + id, null, 200);
            String state = s.path("deployment").path("state").asText();
            if (!state.equals("RUNNING")) return s;
            if (System.nanoTime() > deadline) return s;
            Thread.sleep(250);
        }
    }

    private static void upload(String url, String id, byte[] image) throws Exception {
        HttpResponse<String> r =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(url + "/api/v1/releases?id=" + id))
                                .header("Authorization", "Bearer " + Api.ADMIN)
                                .header("Content-Type", "application/octet-stream")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(image))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    private static JsonNode call(String base, String method, String path, Object body, int expect)
            throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(base + path))
                        .timeout(Duration.ofMinutes(2))
                        .header("Authorization", "Bearer " + Api.ADMIN)
                        .header("Content-Type", "application/json");
        b.method(
                method,
                body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(expect);
        return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
    }

    private void line(String s) {
        System.out.println("[bench] " + s);
        report.add(s);
    }

    private static String load() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).strip();
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
