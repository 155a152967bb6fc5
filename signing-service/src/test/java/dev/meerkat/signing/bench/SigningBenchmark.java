package dev.meerkat.signing.bench;

import dev.meerkat.cli.remote.JwtMinter;
import dev.meerkat.signing.TestPki;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Load benchmark: digest signatures through HTTPS at 1, 16 and 64 concurrent clients, for the
 * software key store and a SoftHSM2 token, against {@code openssl speed -seconds 3 ecdsap256}
 * measured in the same run. It starts the packaged service (quarkus-run.jar, H2 embedded database,
 * audit on) as a separate process on 127.0.0.1. Each client has its own HTTP/1.1 connection and
 * sends requests back to back. Besides throughput and latency it reports the CPU seconds the
 * service process spent per 1,000 signatures (less sensitive to other load on the machine than the
 * rate) and the load average.
 *
 * <pre>
 * mvn -B -pl signing-service -am package -DskipTests
 * mvn -B -pl signing-service -am test -Dtest=SigningBenchmark -Dmeerkat.bench=true -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * Options (system properties): meerkat.bench.seconds (10) per point, meerkat.bench.warmup (3)
 * before each point, meerkat.bench.jit-warmup (10) once per service start, meerkat.bench.clients
 * (1,16,64), meerkat.bench.generator ({@code jdk}: client threads in this JVM; {@code wrk}: the wrk
 * tool in its own process), meerkat.bench.jars ({@code label=path/quarkus-run.jar,...}: builds
 * started side by side and measured in turn in the same run, e.g. before and after a change),
 * meerkat.bench.rounds (1: how often each build is measured, alternating; medians are printed),
 * meerkat.bench.service-jvm-args (extra JVM options for the service process, separated by spaces,
 * e.g. a flight recording), meerkat.bench.service-jvm-args.LABEL (options for one build only, so
 * one jar can be measured under two JVM settings in the same run).
 */
@EnabledIfSystemProperty(named = "meerkat.bench", matches = "true")
class SigningBenchmark {

    record Point(
            String build,
            String backend,
            int clients,
            long count,
            long errors,
            double seconds,
            double p50ms,
            double p99ms,
            double serviceCpu,
            double generatorCpu,
            double loadBefore,
            double loadAfter) {
        double rate() {
            return count / seconds;
        }

        /** CPU seconds the service process spent per 1,000 signatures. */
        double serviceCpuPerThousand() {
            return count == 0 ? 0 : serviceCpu * 1000 / count;
        }

        double generatorCpuPerThousand() {
            return count == 0 ? 0 : generatorCpu * 1000 / count;
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** A packaged service to measure: a label for the tables and its quarkus-run.jar. */
    record Build(String label, Path jar) {}

    @Test
    void run() throws Exception {
        main(new String[0]);
    }

    public static void main(String[] args) throws Exception {
        int seconds = Integer.getInteger("meerkat.bench.seconds", 10);
        int warmup = Integer.getInteger("meerkat.bench.warmup", 3);
        int[] clients =
                Arrays.stream(System.getProperty("meerkat.bench.clients", "1,16,64").split(","))
                        .mapToInt(Integer::parseInt)
                        .toArray();
        List<Build> builds = builds();
        double openssl = opensslSignsPerSecond();
        List<Point> points = new ArrayList<>();
        int rounds = Integer.getInteger("meerkat.bench.rounds", 1);
        // All builds run side by side (idle while another is measured) and are measured in turn,
        // round after round, so load from outside falls on each of them alike.
        List<Running> running = new ArrayList<>();
        try {
            for (Build build : builds) running.add(start(build));
            for (int round = 0; round < rounds; round++) {
                for (String key : List.of("bench-soft", "bench-hsm")) {
                    for (int c : clients) {
                        for (Running r : running) points.add(measure(r, key, c, seconds, warmup));
                    }
                }
            }
        } finally {
            for (Running r : running) stop(r);
        }
        double opensslAfter = opensslSignsPerSecond();
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "openssl speed -seconds 3 ecdsap256 (one core): %.0f sign/s before, %.0f after%n%n",
                openssl,
                opensslAfter);
        System.out.println(
                "| build | backend | clients | signatures/s | p50 ms | p99 ms | errors"
                        + " | service CPU s / 1,000 sig | generator CPU s / 1,000 sig"
                        + " | load avg (start-end) |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
        for (Point p : points) {
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %s | %d | %.0f | %.2f | %.2f | %d | %.3f | %.3f | %.1f-%.1f |%n",
                    p.build(),
                    p.backend().equals("bench-soft") ? "software key store" : "SoftHSM2 (PKCS#11)",
                    p.clients(),
                    p.rate(),
                    p.p50ms(),
                    p.p99ms(),
                    p.errors(),
                    p.serviceCpuPerThousand(),
                    p.generatorCpuPerThousand(),
                    p.loadBefore(),
                    p.loadAfter());
        }
        if (rounds > 1) {
            System.out.println();
            System.out.println(
                    "| build | backend | clients | rounds | median signatures/s | median p99 ms"
                            + " | median service CPU s / 1,000 sig |");
            System.out.println("|---|---|---:|---:|---:|---:|---:|");
            java.util.Map<String, List<Point>> groups = new java.util.LinkedHashMap<>();
            for (Point p : points)
                groups.computeIfAbsent(
                                p.build() + "|" + p.backend() + "|" + p.clients(),
                                k -> new ArrayList<>())
                        .add(p);
            for (List<Point> g : groups.values()) {
                Point f = g.get(0);
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %s | %d | %d | %.0f | %.2f | %.3f |%n",
                        f.build(),
                        f.backend().equals("bench-soft")
                                ? "software key store"
                                : "SoftHSM2 (PKCS#11)",
                        f.clients(),
                        g.size(),
                        median(g.stream().mapToDouble(Point::rate).toArray()),
                        median(g.stream().mapToDouble(Point::p99ms).toArray()),
                        median(g.stream().mapToDouble(Point::serviceCpuPerThousand).toArray()));
            }
        }
        System.out.printf(
                "%nmachine: %d cores, %s %s; the service runs in its own process; load generator: %s%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"),
                System.getProperty("java.version"),
                generator().equals("wrk")
                        ? "wrk, its own process"
                        : "JDK HttpClient threads in the test JVM");
    }

    /**
     * The builds to compare, from {@code meerkat.bench.jars} ({@code label=path,...}, measured one
     * after the other in this run), else the one in target/.
     */
    static List<Build> builds() {
        String spec = System.getProperty("meerkat.bench.jars", "").trim();
        if (spec.isEmpty()) return List.of(new Build("this build", locateJar()));
        List<Build> out = new ArrayList<>();
        for (String item : spec.split(",")) {
            int eq = item.indexOf('=');
            if (eq <= 0)
                throw new IllegalArgumentException("meerkat.bench.jars: label=path, got " + item);
            Path jar = Path.of(item.substring(eq + 1)).toAbsolutePath();
            if (!Files.isRegularFile(jar))
                throw new IllegalArgumentException("no such jar: " + jar);
            out.add(new Build(item.substring(0, eq), jar));
        }
        return out;
    }

    /** A started service of one build, warmed up, with the token its clients use. */
    record Running(
            Build build, Process process, String base, SSLContext ssl, String token, Path dir) {}

    /**
     * Starts the build's service on a free port, creates the two benchmark keys and warms the JIT
     * over the whole request path (TLS, JSON, JWT, both backends, audit).
     */
    static Running start(Build build) throws Exception {
        Path dir = Files.createTempDirectory("meerkat-bench");
        TestPki pki = new TestPki(dir, "bench CA");
        Path[] server = pki.server();
        KeyPair jwt = JwtMinter.newKeyPair();
        Path jwtPub = dir.resolve("jwt-public.pem");
        Files.writeString(jwtPub, JwtMinter.pem("PUBLIC KEY", jwt.getPublic().getEncoded()));
        JwtMinter minter = new JwtMinter(jwt.getPrivate());
        Path hsmConf = initToken(dir);
        int port = freePort();
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java")
                                        .toString()));
        String jvmArgs = System.getProperty("meerkat.bench.service-jvm-args", "").trim();
        if (!jvmArgs.isEmpty()) cmd.addAll(List.of(jvmArgs.split("\\s+")));
        String buildArgs =
                System.getProperty("meerkat.bench.service-jvm-args." + build.label(), "").trim();
        if (!buildArgs.isEmpty()) cmd.addAll(List.of(buildArgs.split("\\s+")));
        cmd.addAll(
                List.of(
                        "-Dmeerkat.data-dir=" + dir.resolve("data"),
                        "-Dmeerkat.keystore.password=bench-password",
                        "-Dmeerkat.pkcs11.library=/usr/lib/softhsm/libsofthsm2.so",
                        "-Dmeerkat.pkcs11.pin=4711",
                        "-Dmp.jwt.verify.publickey.location=" + jwtPub,
                        "-Dquarkus.tls.key-store.pem.0.cert=" + server[0],
                        "-Dquarkus.tls.key-store.pem.0.key=" + server[1],
                        "-Dquarkus.http.ssl-port=" + port,
                        "-Dquarkus.http.port=0",
                        "-Dquarkus.http.insecure-requests=disabled",
                        "-Dquarkus.log.level=WARN",
                        // Start-up on a crowded machine can take longer than the default 5 s.
                        "-Dquarkus.datasource.h2.jdbc.acquisition-timeout=120S",
                        "-jar",
                        build.jar().toString()));
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("service.log").toFile());
        pb.environment().put("SOFTHSM2_CONF", hsmConf.toString());
        Process service = pb.start();
        String base = "https://127.0.0.1:" + port;
        SSLContext ssl = trusting(pki.caPem());
        String admin = minter.issue("bench-admin", List.of("admin"), Duration.ofHours(2));
        String ci = minter.issue("bench-ci", List.of("ci-pipeline"), Duration.ofHours(2));
        Running r = new Running(build, service, base, ssl, ci, dir);
        try {
            waitUp(base, ssl, service, dir);
            post(
                    base,
                    ssl,
                    admin,
                    "/api/v1/keys",
                    "{\"id\":\"bench-soft\",\"type\":\"ecdsa-p256\",\"backend\":\"software\"}");
            post(
                    base,
                    ssl,
                    admin,
                    "/api/v1/keys",
                    "{\"id\":\"bench-hsm\",\"type\":\"ecdsa-p256\",\"backend\":\"pkcs11\"}");
            int jit = Integer.getInteger("meerkat.bench.jit-warmup", 10);
            generate(base, ssl, ci, "bench-soft", 16, jit / 2, dir);
            generate(base, ssl, ci, "bench-hsm", 16, jit - jit / 2, dir);
        } catch (Exception e) {
            stop(r);
            throw e;
        }
        return r;
    }

    static void stop(Running r) throws InterruptedException {
        r.process().destroy();
        r.process().waitFor();
    }

    /** One point: a warm-up interval, then the measured one, with the service's CPU time. */
    static Point measure(Running r, String key, int clients, int seconds, int warmup)
            throws Exception {
        generate(r.base(), r.ssl(), r.token(), key, clients, warmup, r.dir());
        double load0 = loadAverage();
        double svc0 = cpuSeconds(r.process().pid());
        Sample x = generate(r.base(), r.ssl(), r.token(), key, clients, seconds, r.dir());
        double svc = cpuSeconds(r.process().pid()) - svc0;
        Point p =
                new Point(
                        r.build().label(),
                        key,
                        clients,
                        x.count(),
                        x.errors(),
                        x.seconds(),
                        x.p50ms(),
                        x.p99ms(),
                        svc,
                        x.generatorCpu(),
                        load0,
                        loadAverage());
        System.out.printf(
                Locale.ROOT,
                "%s %s clients=%d: %.0f sig/s p50 %.2f ms p99 %.2f ms errors %d,"
                        + " service %.3f CPU s / 1,000 sig, load %.1f%n",
                p.build(),
                key,
                clients,
                p.rate(),
                p.p50ms(),
                p.p99ms(),
                p.errors(),
                p.serviceCpuPerThousand(),
                p.loadAfter());
        return p;
    }

    /** One measured interval of the load generator. */
    record Sample(
            long count,
            long errors,
            double seconds,
            double p50ms,
            double p99ms,
            double generatorCpu) {}

    /**
     * One interval of load from the generator chosen with {@code meerkat.bench.generator}: {@code
     * jdk} (threads of this JVM, JDK HttpClient) or {@code wrk} (the wrk tool, its own process).
     */
    static Sample generate(
            String base,
            SSLContext ssl,
            String token,
            String key,
            int clients,
            int seconds,
            Path dir)
            throws Exception {
        return switch (generator()) {
            case "jdk" -> load(base, ssl, token, key, clients, seconds);
            case "wrk" -> wrk(base, token, key, clients, seconds, dir);
            default ->
                    throw new IllegalArgumentException(
                            "meerkat.bench.generator is jdk or wrk, not " + generator());
        };
    }

    static String generator() {
        return System.getProperty("meerkat.bench.generator", "jdk");
    }

    /**
     * wrk (Debian package wrk: C, OpenSSL) with {@code clients} connections over up to two threads,
     * each request a distinct digest (bench/sign-digest.lua). Its CPU time is read with the shell's
     * {@code times} after it exits.
     */
    static Sample wrk(String base, String token, String key, int clients, int seconds, Path dir)
            throws Exception {
        Path script = dir.resolve("sign-digest.lua");
        if (!Files.exists(script)) {
            try (var in = SigningBenchmark.class.getResourceAsStream("/bench/sign-digest.lua")) {
                Files.copy(in, script);
            }
        }
        String cmd =
                String.format(
                        Locale.ROOT,
                        "wrk -t%d -c%d -d%ds --timeout 10s -s '%s' '%s/api/v1/sign/digest' -- '%s' '%s'; times",
                        Math.min(2, clients),
                        clients,
                        seconds,
                        script,
                        base,
                        token,
                        key);
        Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException("wrk failed:\n" + out);
        Matcher r =
                Pattern.compile(
                                "RESULT requests=(\\d+) duration_us=(\\d+) p50_us=(\\d+) p99_us=(\\d+)"
                                        + " bad_status=(\\d+) socket_errors=(\\d+)")
                        .matcher(out);
        // "times": the shell's user and system time, then its children's (wrk).
        Matcher t = Pattern.compile("\\n(\\d+)m([0-9.]+)s (\\d+)m([0-9.]+)s\\s*$").matcher(out);
        Files.writeString(
                dir.resolve("wrk-" + key + "-" + clients + ".txt"),
                out,
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        if (!r.find() || !t.find())
            throw new IllegalStateException("cannot read wrk's output:\n" + out);
        long requests = Long.parseLong(r.group(1));
        long errors = Long.parseLong(r.group(5)) + Long.parseLong(r.group(6));
        double cpu =
                Integer.parseInt(t.group(1)) * 60
                        + Double.parseDouble(t.group(2))
                        + Integer.parseInt(t.group(3)) * 60
                        + Double.parseDouble(t.group(4));
        return new Sample(
                requests - Long.parseLong(r.group(5)),
                errors,
                Long.parseLong(r.group(2)) / 1e6,
                Long.parseLong(r.group(3)) / 1e3,
                Long.parseLong(r.group(4)) / 1e3,
                cpu);
    }

    /** User plus system CPU seconds of a process so far (Linux /proc; clock ticks of 1/100 s). */
    static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // After the command name: state is field 3, utime field 14, stime field 15.
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    static double loadAverage() throws IOException {
        return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    }

    static Sample load(
            String base, SSLContext ssl, String token, String key, int clients, int seconds)
            throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong errors = new AtomicLong();
        List<long[]> latencies = new ArrayList<>();
        int[] counts = new int[clients];
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < clients; t++) {
            long[] lat = new long[2_000_000 / clients + 1000];
            latencies.add(lat);
            int idx = t;
            Thread th =
                    new Thread(
                            () -> {
                                HttpClient http =
                                        HttpClient.newBuilder()
                                                .sslContext(ssl)
                                                .version(HttpClient.Version.HTTP_1_1)
                                                .build();
                                byte[] digest = new byte[32];
                                long n = 0;
                                try {
                                    ready.countDown();
                                    go.await();
                                    while (!stop.get()) {
                                        digest[0] = (byte) idx;
                                        digest[1] = (byte) n;
                                        digest[2] = (byte) (n >> 8);
                                        String body =
                                                "{\"keyId\":\""
                                                        + key
                                                        + "\",\"digest\":\""
                                                        + HexFormat.of().formatHex(digest)
                                                        + "\"}";
                                        HttpRequest req =
                                                HttpRequest.newBuilder(
                                                                URI.create(
                                                                        base
                                                                                + "/api/v1/sign/digest"))
                                                        .header("Authorization", "Bearer " + token)
                                                        .header("Content-Type", "application/json")
                                                        .POST(
                                                                HttpRequest.BodyPublishers.ofString(
                                                                        body))
                                                        .build();
                                        long t0 = System.nanoTime();
                                        HttpResponse<byte[]> r =
                                                http.send(
                                                        req,
                                                        HttpResponse.BodyHandlers.ofByteArray());
                                        long dt = System.nanoTime() - t0;
                                        if (r.statusCode() != 200) {
                                            errors.incrementAndGet();
                                            continue;
                                        }
                                        if (counts[idx] < lat.length) lat[counts[idx]++] = dt;
                                        n++;
                                    }
                                } catch (Exception e) {
                                    errors.incrementAndGet();
                                }
                            },
                            "bench-client-" + t);
            th.start();
            threads.add(th);
        }
        ready.await();
        double cpu0 = cpuSeconds(ProcessHandle.current().pid());
        long start = System.nanoTime();
        go.countDown();
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        double elapsed = (System.nanoTime() - start) / 1e9;
        for (Thread th : threads) th.join();
        long total = Arrays.stream(counts).asLongStream().sum();
        long[] all = new long[(int) total];
        int off = 0;
        for (int t = 0; t < clients; t++) {
            System.arraycopy(latencies.get(t), 0, all, off, counts[t]);
            off += counts[t];
        }
        Arrays.sort(all);
        double p50 = all.length == 0 ? 0 : all[(int) (all.length * 0.50)] / 1e6;
        double p99 =
                all.length == 0
                        ? 0
                        : all[Math.min(all.length - 1, (int) (all.length * 0.99))] / 1e6;
        double cpu = cpuSeconds(ProcessHandle.current().pid()) - cpu0;
        return new Sample(total, errors.get(), elapsed, p50, p99, cpu);
    }

    static double opensslSignsPerSecond() throws IOException, InterruptedException {
        Process p =
                new ProcessBuilder("openssl", "speed", "-seconds", "3", "ecdsap256")
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        // Summary line: " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  40000.0  13000.0"
        Matcher m =
                Pattern.compile(
                                "256 bits ecdsa \\(nistp256\\)\\s+\\S+\\s+\\S+\\s+([0-9.]+)\\s+([0-9.]+)")
                        .matcher(out);
        if (!m.find())
            throw new IllegalStateException("cannot parse openssl speed output:\n" + out);
        return Double.parseDouble(m.group(1));
    }

    static Path initToken(Path dir) throws IOException, InterruptedException {
        Path tokens = Files.createDirectories(dir.resolve("tokens"));
        Path conf = dir.resolve("softhsm2.conf");
        Files.writeString(
                conf,
                "directories.tokendir = "
                        + tokens
                        + "\nobjectstore.backend = file\nlog.level = ERROR\n");
        ProcessBuilder pb =
                new ProcessBuilder(
                                "softhsm2-util",
                                "--init-token",
                                "--free",
                                "--label",
                                "bench",
                                "--pin",
                                "4711",
                                "--so-pin",
                                "123456")
                        .redirectErrorStream(true);
        pb.environment().put("SOFTHSM2_CONF", conf.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException("softhsm2-util failed: " + out);
        return conf;
    }

    static SSLContext trusting(Path caPem) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (var in = Files.newInputStream(caPem)) {
            ks.setCertificateEntry(
                    "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    static void waitUp(String base, SSLContext ssl, Process service, Path dir) throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(ssl).build();
        for (int i = 0; i < 600; i++) {
            if (!service.isAlive())
                throw new IllegalStateException(
                        "service exited:\n" + Files.readString(dir.resolve("service.log")));
            try {
                if (http.send(
                                        HttpRequest.newBuilder(URI.create(base + "/q/health"))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200) return;
            } catch (IOException e) {
                // not yet listening
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("service did not start; see " + dir.resolve("service.log"));
    }

    static void post(String base, SSLContext ssl, String token, String path, String body)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(ssl).build();
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(base + path))
                                .header("Authorization", "Bearer " + token)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2)
            throw new IllegalStateException(path + " -> " + r.statusCode() + " " + r.body());
    }

    static Path locateJar() {
        for (Path p :
                List.of(
                        Path.of("target/quarkus-app/quarkus-run.jar"),
                        Path.of("signing-service/target/quarkus-app/quarkus-run.jar"))) {
            if (Files.isRegularFile(p)) return p.toAbsolutePath();
        }
        throw new IllegalStateException(
                "build the service first: mvn -pl signing-service -am package -DskipTests");
    }

    static int freePort() throws IOException {
        try (var s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
