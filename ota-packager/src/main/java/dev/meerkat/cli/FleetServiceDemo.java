package dev.meerkat.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cli.fleetservice.FleetClient;
import dev.meerkat.cli.io.AtomicFiles;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.firmware.Board;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.fleetsim.EmbeddedBroker;
import dev.meerkat.fleetsim.EmulatedFleet;
import dev.meerkat.image.SigningKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * The demo's fleet step: fleet-service on its embedded defaults (H2 file, releases in a directory)
 * in the demo's directory, an embedded MQTT broker, five emulated boards with ATECC608 identities
 * on v1. v2 and v2-broken are uploaded as releases; v2 goes out in three phases and commits
 * everywhere; v2-broken trips the abort criterion in phase 1, the devices that took it roll back
 * (TEST_BOOT_FAULT) and the rest are never told. Every action is a real meerkat command; the
 * outcome is then checked against the service and the devices themselves.
 */
final class FleetServiceDemo {
    static final int DEVICES = 5;
    static final String V2 = "v2-rollout";
    static final String BROKEN = "v2-broken-rollout";

    private final Path work;
    private final PrintWriter out;
    private final ToIntFunction<DemoCommand.Step> steps;

    FleetServiceDemo(Path work, PrintWriter out, ToIntFunction<DemoCommand.Step> steps) {
        this.work = work;
        this.out = out;
        this.steps = steps;
    }

    /** Runs the step; returns the number of things that did not behave as expected. */
    int run() throws Exception {
        Path data = work.resolve("fleet-service");
        Files.createDirectories(data);
        Path log = data.resolve("service.log");
        int port = freePort();
        String url = "http://127.0.0.1:" + port;
        SigningKey key =
                SigningKey.fromPem(Files.readString(work.resolve("release-key.pem")), null);
        byte[] v1 = Files.readAllBytes(work.resolve("fleet/v1.bin"));
        long largest =
                Math.max(
                        Files.size(work.resolve("fleet/v2.bin")),
                        Files.size(work.resolve("fleet/v2-broken.bin")));
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= DEVICES; i++) ids.add("dev-" + i);

        String savedUrl = System.getProperty("meerkat.fleet.url");
        String savedToken = System.getProperty("meerkat.fleet.token.file");
        // a token given to this process would take precedence over the demo service's own
        String savedBearer = System.clearProperty("meerkat.fleet.token");
        Thread service = null;
        EmbeddedBroker broker = null;
        EmulatedFleet fleet = null;
        int failures = 0;
        try {
            // one line per broker error, no stack traces (as in fleet simulate)
            if (System.getProperty("log4j.configuration") == null) {
                System.setProperty(
                        "log4j.configuration", "dev/meerkat/cli/fleet/broker-log4j.properties");
            }
            broker = EmbeddedBroker.start();
            String[] serve = {
                "fleet-service",
                "serve",
                "--port",
                String.valueOf(port),
                "--data-dir",
                data.toString(),
                "--release-key",
                work.resolve("release-pub.pem").toString(),
                "--mqtt",
                broker.uri(),
                "--no-shared-subscription",
                "--log",
                log.toString()
            };
            failures +=
                    steps.applyAsInt(
                            new DemoCommand.Step(
                                    "Export the release public key the fleet service will trust",
                                    ExitCode.OK,
                                    "getpub",
                                    "-k",
                                    work.resolve("release-key.pem").toString(),
                                    "-e",
                                    "pem",
                                    "-o",
                                    work.resolve("release-pub.pem").toString()));
            out.println(
                    "== Start fleet-service on its embedded defaults (H2 file and releases in "
                            + "fleet-service/, an embedded MQTT broker at "
                            + broker.uri()
                            + ")");
            out.println("$ meerkat " + String.join(" ", serve).replace(work + "/", "") + " &");
            out.flush();
            StringBuilder serveOutput = new StringBuilder();
            service =
                    new Thread(
                            () -> {
                                java.io.StringWriter sw = new java.io.StringWriter();
                                PrintWriter pw = new PrintWriter(sw, true);
                                int rc = Meerkat.run(serve, pw, pw);
                                synchronized (serveOutput) {
                                    serveOutput.append(sw).append("exit ").append(rc);
                                }
                            },
                            "demo-fleet-service");
            service.setDaemon(true);
            service.start();
            if (!awaitReady(url, service, Duration.ofSeconds(180))) {
                out.println("  the service did not become ready  <<< UNEXPECTED");
                synchronized (serveOutput) {
                    if (serveOutput.length() > 0) out.println("  " + serveOutput);
                }
                out.println("  its log: " + log);
                out.println();
                return failures + 1;
            }
            System.setProperty("meerkat.fleet.url", url);
            System.setProperty(
                    "meerkat.fleet.token.file",
                    data.resolve("tokens").resolve("admin.jwt").toString());
            out.println();
            out.println("  The commands below reach it through MEERKAT_FLEET_URL=" + url);
            out.println(
                    "  and MEERKAT_FLEET_TOKEN_FILE=fleet-service/tokens/admin.jwt (the admin token"
                            + " serve created).");
            out.println();

            out.println(
                    "== Five devices boot v1 with keys generated in emulated ATECC608s and connect"
                            + " to the broker");
            out.flush();
            long t0 = System.nanoTime();
            fleet =
                    EmulatedFleet.boot(
                            ids,
                            broker.uri(),
                            key,
                            v1,
                            largest,
                            true,
                            Duration.ofSeconds(120),
                            line -> {
                                out.println("  " + line);
                                out.flush();
                            },
                            null);
            out.printf(
                    "  %s up on %s in %.1f s%n%n",
                    String.join(", ", ids),
                    fleet.boards().get(0).runningVersion(),
                    (System.nanoTime() - t0) / 1e9);
            out.flush();

            Path tokens = work.resolve("device-tokens");
            Files.createDirectories(tokens);
            SecureRandom random = new SecureRandom();
            for (int i = 0; i < ids.size(); i++) {
                // each device's own secret (HTTP/DDI polling would present it; only its hash is
                // stored)
                byte[] secret = new byte[24];
                random.nextBytes(secret);
                Path tokenFile = tokens.resolve(ids.get(i) + ".token");
                AtomicFiles.write(
                        tokenFile,
                        o ->
                                o.write(
                                        (HexFormat.of().formatHex(secret) + "\n")
                                                .getBytes(StandardCharsets.US_ASCII)),
                        true);
                failures +=
                        steps.applyAsInt(
                                new DemoCommand.Step(
                                        i == 0
                                                ? "Register the devices: reached by mg_rpc OTA.Update over MQTT"
                                                : null,
                                        ExitCode.OK,
                                        "devices",
                                        "register",
                                        "--id",
                                        ids.get(i),
                                        "--token-file",
                                        tokenFile.toString(),
                                        "--protocol",
                                        "mqtt",
                                        "--attr",
                                        "platform=meerkat-sim",
                                        "--attr",
                                        "site=demo-lab"));
            }
            failures +=
                    steps.applyAsInt(
                            new DemoCommand.Step(
                                    "Upload v2 as a release: signature, version, security counter and platform are verified",
                                    ExitCode.OK,
                                    "release",
                                    "upload",
                                    "--id",
                                    "v2",
                                    work.resolve("fleet/v2.bin").toString()));
            failures +=
                    steps.applyAsInt(
                            new DemoCommand.Step(
                                    "Upload v2-broken (it passes every check: its fault only shows on the device)",
                                    ExitCode.OK,
                                    "release",
                                    "upload",
                                    "--id",
                                    "v2-broken",
                                    work.resolve("fleet/v2-broken.bin").toString()));
            failures +=
                    steps.applyAsInt(
                            new DemoCommand.Step(
                                    "A static group of the five devices",
                                    ExitCode.OK,
                                    "groups",
                                    "create",
                                    "lab",
                                    "--member",
                                    String.join(",", ids)));
            failures +=
                    steps.applyAsInt(
                            new DemoCommand.Step(
                                    "Deploy v2 in three phases (1 device, 2, the rest); abort if half of"
                                            + " at least 2 finished devices failed",
                                    ExitCode.OK,
                                    deploy(V2, "v2", "1", "2", "rest")));
            failures +=
                    steps.applyAsInt(
                            new DemoCommand.Step(
                                    "Follow it: every device downloads, test-boots and commits v2",
                                    ExitCode.OK,
                                    "deploy",
                                    "status",
                                    V2,
                                    "--watch",
                                    "--interval",
                                    "1"));
            failures +=
                    steps.applyAsInt(
                            new DemoCommand.Step(
                                    "Deploy v2-broken the same way, phase 1 = 2 devices",
                                    ExitCode.OK,
                                    deploy(BROKEN, "v2-broken", "2", "rest")));
            failures +=
                    steps.applyAsInt(
                            new DemoCommand.Step(
                                    "Follow it: both phase-1 devices roll back, the abort criterion"
                                            + " stops the rollout (exit 1)",
                                    ExitCode.INVALID,
                                    "deploy",
                                    "status",
                                    BROKEN,
                                    "--watch",
                                    "--interval",
                                    "1"));
            try {
                failures += summary(new FleetClient(url, token(data)), fleet);
            } catch (CliException e) {
                out.println(
                        "  the summary could not be read: " + e.getMessage() + "  <<< UNEXPECTED");
                failures++;
            }
        } finally {
            restore("meerkat.fleet.url", savedUrl);
            restore("meerkat.fleet.token.file", savedToken);
            restore("meerkat.fleet.token", savedBearer);
            if (fleet != null) fleet.close();
            if (service != null) {
                service.interrupt();
                service.join(30_000);
                out.println("fleet-service stopped; its data and log are in fleet-service/");
                out.println();
            }
            if (broker != null) broker.close();
            out.flush();
        }
        return failures;
    }

    private static String[] deploy(String id, String release, String... phases) {
        List<String> a =
                new ArrayList<>(
                        List.of(
                                "deploy",
                                "create",
                                "--id",
                                id,
                                "--release",
                                release,
                                "--group",
                                "lab"));
        for (String p : phases) {
            a.add("--phase");
            a.add(p);
        }
        a.addAll(List.of("--no-auto-pause", "--abort", "FAILED:50:2", "--timeout", "120"));
        return a.toArray(String[]::new);
    }

    /**
     * What the service recorded and what the devices run, checked against the story: one line each,
     * a failed check marked as the demo marks an unexpected exit code.
     */
    private int summary(FleetClient c, EmulatedFleet fleet) {
        out.println("== Summary (from the fleet service's records and the devices themselves)");
        int failures = 0;
        JsonNode v2 = c.get("/api/v1/deployments/" + V2);
        int committed = count(v2, "SUCCEEDED");
        failures +=
                check(
                        "COMPLETED".equals(state(v2)) && committed == DEVICES,
                        String.format(
                                "%s: %s, %d of %d devices committed v2 (2.0.0) over %d phases",
                                V2, state(v2), committed, DEVICES, v2.path("phases").size()));
        JsonNode br = c.get("/api/v1/deployments/" + BROKEN);
        JsonNode executions = c.get("/api/v1/deployments/" + BROKEN + "/executions");
        Map<String, String> reasons = new TreeMap<>();
        List<String> neverTold = new ArrayList<>();
        for (JsonNode e : executions) {
            String st = e.path("state").asText();
            if (st.equals("FAILED"))
                reasons.put(e.path("deviceId").asText(), e.path("rollbackReason").asText(""));
            if (st.equals("CANCELED")) neverTold.add(e.path("deviceId").asText());
        }
        int phase1 = br.path("phases").path(0).path("devices").asInt();
        boolean rest = br.path("phases").path(1).path("released").asInt() == 0;
        failures +=
                check(
                        "ABORTED".equals(state(br)) && reasons.size() == phase1 && rest,
                        String.format(
                                "%s: %s in phase 1 (%s); phase 2 released %d",
                                BROKEN,
                                state(br),
                                br.path("deployment").path("stateReason").asText(""),
                                br.path("phases").path(1).path("released").asInt()));
        for (Map.Entry<String, String> r : reasons.entrySet()) {
            failures +=
                    check(
                            r.getValue().startsWith("TEST_BOOT_FAULT"),
                            "  " + r.getKey() + " rolled back: " + r.getValue());
        }
        failures +=
                check(
                        neverTold.size() == DEVICES - phase1,
                        "  canceled, never told: " + String.join(", ", neverTold));
        Map<String, String> running = fleet.runningVersions();
        failures +=
                check(
                        running.values().stream().allMatch("2.0.0"::equals),
                        "devices now run: " + running);
        boolean untouched = true;
        for (Board b : fleet.boards()) {
            if (neverTold.contains(b.id())) {
                // their last OTA is still v2's: v2-broken was never sent to them
                untouched &=
                        ExampleApps.version("v2")
                                .equals(EmulatedFleet.lastResult(b).path("version").asText());
            }
        }
        failures +=
                check(
                        untouched,
                        "the canceled devices' last update is still v2 (v2-broken never reached them)");
        out.println();
        out.flush();
        return failures;
    }

    private int check(boolean ok, String line) {
        out.println("  " + line + (ok ? "" : "  <<< UNEXPECTED"));
        return ok ? 0 : 1;
    }

    private static String state(JsonNode status) {
        return status.path("deployment").path("state").asText();
    }

    private static int count(JsonNode status, String state) {
        int n = 0;
        for (JsonNode p : status.path("phases")) n += p.path("counts").path(state).asInt();
        return n;
    }

    private boolean awaitReady(String url, Thread service, Duration timeout)
            throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready =
                HttpRequest.newBuilder(URI.create(url + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(5))
                        .build();
        long t0 = System.nanoTime();
        long nextLine = t0 + 2_000_000_000L;
        while (System.nanoTime() - t0 < timeout.toNanos() && service.isAlive()) {
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    out.printf("  ready at %s in %.1f s%n", url, (System.nanoTime() - t0) / 1e9);
                    out.flush();
                    return true;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() >= nextLine) {
                out.printf(
                        "  waiting for the service to start (%.0f s)%n",
                        (System.nanoTime() - t0) / 1e9);
                out.flush();
                nextLine = System.nanoTime() + 2_000_000_000L;
            }
            Thread.sleep(200);
        }
        return false;
    }

    private static String token(Path data) throws IOException {
        return Files.readString(data.resolve("tokens").resolve("admin.jwt")).strip();
    }

    private static void restore(String property, String value) {
        if (value == null) System.clearProperty(property);
        else System.setProperty(property, value);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
