package dev.meerkat.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Two replicas of the packaged service over one PostgreSQL and one S3 bucket; devices poll both.
 * One replica is killed (SIGKILL) in the middle of the rollout; the other finishes it, and every
 * execution ends exactly once: succeeded, at version 3 (queued, in progress, succeeded), with one
 * audit entry per transition.
 */
class ReplicaKillIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final int DEVICES = 24;

    record Replica(Process process, String url) {}

    @Test
    void aRolloutSurvivesTheLossOfAReplica() throws Exception {
        Map<String, String> config = new HashMap<>(new PostgresS3Resource().start());
        config.put(
                "meerkat.fleet.data-dir",
                Files.createTempDirectory(Path.of("target").toAbsolutePath(), "replicas")
                        .toString());
        Replica a = start(config, "a");
        Replica b = start(config, "b");
        try {
            awaitReady(a);
            awaitReady(b);
            String admin = Api.ADMIN;
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < DEVICES; i++) {
                String id = "rep-" + i;
                ids.add(id);
                call(
                        a.url(),
                        "POST",
                        "/api/v1/devices",
                        admin,
                        Map.of("id", id, "token", token(id), "attributes", Map.of()),
                        201);
            }
            byte[] image = TestReleases.image("8.0.0");
            HttpResponse<String> up =
                    HTTP.send(
                            HttpRequest.newBuilder(
                                            URI.create(b.url() + "/api/v1/releases?id=rep-v8"))
                                    .header("Authorization", "Bearer " + admin)
                                    .header("Content-Type", "application/octet-stream")
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(image))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(up.statusCode()).as(up.body()).isEqualTo(201);
            call(
                    a.url(),
                    "POST",
                    "/api/v1/groups",
                    admin,
                    Map.of("name", "rep-all", "members", ids),
                    201);
            // 3 phases, released at 120 devices a minute: the rollout takes ~12 s, long enough to
            // kill a replica in it.
            call(
                    b.url(),
                    "POST",
                    "/api/v1/deployments",
                    admin,
                    Map.of(
                            "id",
                            "rep-dep",
                            "release",
                            "rep-v8",
                            "group",
                            "rep-all",
                            "plan",
                            Map.of(
                                    "phases",
                                    List.of(Map.of("percent", 25), Map.of("percent", 25), Map.of()),
                                    "autoPause",
                                    false,
                                    "maximumPerMinute",
                                    120)),
                    201);

            AtomicBoolean aAlive = new AtomicBoolean(true);
            Map<String, Boolean> done = new ConcurrentHashMap<>();
            ExecutorService pool =
                    Executors.newFixedThreadPool(
                            DEVICES); // one poller per device, as in a real fleet
            for (int i = 0; i < DEVICES; i++) {
                String id = ids.get(i);
                boolean preferA = i % 2 == 0;
                pool.submit(() -> runDevice(id, preferA, aAlive, a.url(), b.url(), done));
            }
            Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
            while (done.size() < DEVICES / 3) {
                assertThat(Instant.now()).isBefore(deadline);
                Thread.sleep(100);
            }
            a.process().destroyForcibly();
            aAlive.set(false);
            assertThat(a.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            JsonNode status;
            do {
                assertThat(Instant.now())
                        .as("rollout did not complete on the surviving replica")
                        .isBefore(deadline);
                Thread.sleep(200);
                status = call(b.url(), "GET", "/api/v1/deployments/rep-dep", admin, null, 200);
            } while (!"COMPLETED".equals(status.path("deployment").path("state").asText()));
            pool.shutdownNow();
            assertThat(status.path("totals").path("SUCCEEDED").asInt()).isEqualTo(DEVICES);
            JsonNode ex =
                    call(
                            b.url(),
                            "GET",
                            "/api/v1/deployments/rep-dep/executions",
                            admin,
                            null,
                            200);
            assertThat(ex).hasSize(DEVICES);
            for (JsonNode e : ex) {
                assertThat(e.path("state").asText()).isEqualTo("SUCCEEDED");
                assertThat(e.path("versionNumber").asLong()).as(e.toString()).isEqualTo(3);
            }
            JsonNode audit = call(b.url(), "GET", "/api/v1/audit?limit=5000", admin, null, 200);
            Map<String, Integer> succeeded = new HashMap<>();
            Map<String, Integer> started = new HashMap<>();
            for (JsonNode e : audit.path("entries")) {
                String subject = e.path("subject").asText();
                if (!subject.startsWith("rep-dep/")) continue;
                if (e.path("action").asText().equals("execution.succeeded"))
                    succeeded.merge(subject, 1, Integer::sum);
                if (e.path("action").asText().equals("execution.in_progress"))
                    started.merge(subject, 1, Integer::sum);
            }
            assertThat(succeeded)
                    .hasSize(DEVICES)
                    .allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo(1));
            assertThat(started)
                    .hasSize(DEVICES)
                    .allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo(1));
        } finally {
            a.process().destroyForcibly();
            b.process().destroyForcibly();
        }
    }

    /**
     * Polls until its execution succeeded; talks to its preferred replica while it lives, else the
     * other.
     */
    static void runDevice(
            String id,
            boolean preferA,
            AtomicBoolean aAlive,
            String aUrl,
            String bUrl,
            Map<String, Boolean> done) {
        while (!Thread.currentThread().isInterrupted()) {
            String url = preferA && aAlive.get() ? aUrl : bUrl;
            try {
                HttpResponse<String> r =
                        HTTP.send(
                                HttpRequest.newBuilder(
                                                URI.create(url + "/api/v1/device/" + id + "/next"))
                                        .header("Authorization", "TargetToken " + token(id))
                                        .timeout(Duration.ofSeconds(10))
                                        .GET()
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    JsonNode w = JSON.readTree(r.body());
                    String next =
                            w.path("state").asText().equals("QUEUED") ? "IN_PROGRESS" : "SUCCEEDED";
                    HttpResponse<String> rep =
                            HTTP.send(
                                    HttpRequest.newBuilder(
                                                    URI.create(
                                                            url
                                                                    + "/api/v1/device/"
                                                                    + id
                                                                    + "/executions/"
                                                                    + w.path("deploymentId")
                                                                            .asText()))
                                            .header("Authorization", "TargetToken " + token(id))
                                            .header("Content-Type", "application/json")
                                            .timeout(Duration.ofSeconds(10))
                                            .POST(
                                                    HttpRequest.BodyPublishers.ofString(
                                                            JSON.writeValueAsString(
                                                                    Map.of(
                                                                            "status",
                                                                            next,
                                                                            "expectedVersion",
                                                                            w.path("versionNumber")
                                                                                    .asLong()))))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
                    if (rep.statusCode() == 200 && next.equals("SUCCEEDED")) {
                        done.put(id, true);
                        return;
                    }
                    continue;
                }
                Thread.sleep(150);
            } catch (IOException e) {
                // the replica went away mid-request: ask again (the other one if this one is gone)
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    static String token(String id) {
        return "token-of-" + id + "-0123456789";
    }

    static JsonNode call(
            String base, String method, String path, String bearer, Object body, int expect)
            throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Authorization", "Bearer " + bearer)
                        .timeout(Duration.ofSeconds(60));
        if (body != null) {
            b.header("Content-Type", "application/json")
                    .method(
                            method,
                            HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isEqualTo(expect);
        return r.body().isEmpty() ? null : JSON.readTree(r.body());
    }

    static Replica start(Map<String, String> config, String name) throws IOException {
        int port = PostgresS3Resource.freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        config.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-Dquarkus.http.port=" + port);
        cmd.add("-jar");
        cmd.add(Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().toString());
        Path log = Path.of("target", "replica-" + name + ".log").toAbsolutePath();
        Process p =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        return new Replica(p, "http://127.0.0.1:" + port);
    }

    static void awaitReady(Replica r) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(4));
        while (true) {
            assertThat(r.process().isAlive()).as("replica %s exited", r.url()).isTrue();
            try {
                HttpResponse<String> h =
                        HTTP.send(
                                HttpRequest.newBuilder(URI.create(r.url() + "/q/health/ready"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                if (h.statusCode() == 200) return;
            } catch (IOException ignored) {
                // not listening yet
            }
            assertThat(Instant.now())
                    .as("replica %s never became ready", r.url())
                    .isBefore(deadline);
            Thread.sleep(500);
        }
    }
}
