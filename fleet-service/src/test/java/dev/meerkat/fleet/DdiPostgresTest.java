package dev.meerkat.fleet;

import static dev.meerkat.fleet.Api.VIEWER;
import static dev.meerkat.fleet.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * hawkBit DDI: the API's shape, and an unmodified SWUpdate (suricatta) polling, downloading and
 * reporting.
 */
@QuarkusTest
@WithTestResource(PostgresS3Resource.class)
class DdiPostgresTest {
    static final String SWUPDATE = "/usr/bin/swupdate";

    @TestHTTPResource("/")
    java.net.URL root;

    @Test
    void controllerBaseDeploymentBaseFeedbackAndConfigData() {
        DeviceSim d = new DeviceSim("ddi-dev", "token-of-ddi-dev-0123456789");
        Api.registerWithToken(d.id(), d.token(), Map.of());
        String base = "/DEFAULT/controller/v1/ddi-dev";
        JsonPath idle = Api.device(d.token()).get(base).then().statusCode(200).extract().jsonPath();
        assertThat(idle.getString("config.polling.sleep")).isEqualTo("00:00:01");
        assertThat(idle.getMap("_links"))
                .doesNotContainKey("deploymentBase")
                .containsKey("configData");
        Api.device(d.token())
                .contentType(ContentType.JSON)
                .body(
                        Map.of(
                                "mode",
                                "merge",
                                "data",
                                Map.of("hwRevision", "2", "region", "eu-west")))
                .put(base + "/configData")
                .then()
                .statusCode(200);
        assertThat(
                        as(VIEWER)
                                .get("/api/v1/devices/ddi-dev")
                                .then()
                                .extract()
                                .jsonPath()
                                .getString("device.attributes.hwrevision"))
                .isEqualTo("2");

        byte[] image = TestReleases.image("4.0.0");
        Api.upload("ddi-v4", image);
        Api.staticGroup("ddi-all", List.of(d.id()));
        Api.deploy("ddi-dep", "ddi-v4", "ddi-all", Map.of());
        Api.awaitStatus("ddi-dep", s -> s.getInt("phases[0].released") == 1);
        String href =
                Api.device(d.token())
                        .get(base)
                        .then()
                        .statusCode(200)
                        .extract()
                        .path("_links.deploymentBase.href");
        String path = java.net.URI.create(href).getPath();
        JsonPath dep = Api.device(d.token()).get(path).then().statusCode(200).extract().jsonPath();
        String actionId = dep.getString("id");
        assertThat(path).endsWith("/deploymentBase/" + actionId);
        assertThat(dep.getString("deployment.chunks[0].version")).isEqualTo("4.0.0");
        assertThat(dep.getLong("deployment.chunks[0].artifacts[0].size")).isEqualTo(image.length);
        assertThat(dep.getString("deployment.chunks[0].artifacts[0].hashes.sha1")).hasSize(40);
        String download =
                java.net
                        .URI
                        .create(
                                dep.getString(
                                        "deployment.chunks[0].artifacts[0]._links.download-http.href"))
                        .getPath();
        assertThat(
                        Api.device(d.token())
                                .get(download)
                                .then()
                                .statusCode(200)
                                .extract()
                                .asByteArray())
                .isEqualTo(image);

        String feedback = path + "/feedback";
        Api.device(d.token())
                .contentType(ContentType.JSON)
                .body(
                        Map.of(
                                "status",
                                Map.of(
                                        "execution",
                                        "proceeding",
                                        "result",
                                        Map.of("finished", "none"))))
                .post(feedback)
                .then()
                .statusCode(200);
        Api.device(d.token())
                .contentType(ContentType.JSON)
                .body(
                        Map.of(
                                "status",
                                Map.of(
                                        "execution",
                                        "closed",
                                        "result",
                                        Map.of("finished", "success"),
                                        "details",
                                        List.of("installed 4.0.0"))))
                .post(feedback)
                .then()
                .statusCode(200);
        Api.device(d.token())
                .contentType(ContentType.JSON)
                .body(
                        Map.of(
                                "status",
                                Map.of(
                                        "execution",
                                        "closed",
                                        "result",
                                        Map.of("finished", "failure"))))
                .post(feedback)
                .then()
                .statusCode(410);
        JsonPath done = Api.awaitStatus("ddi-dep", s -> Api.state(s).equals("COMPLETED"));
        assertThat(Api.total(done, "SUCCEEDED")).isEqualTo(1);
        Api.device(d.token()).get("/OTHER/controller/v1/ddi-dev").then().statusCode(404);
        Api.device("not-the-token-0123456789")
                .get(base)
                .then()
                .statusCode(401)
                .contentType("application/problem+json");
        Api.device(d.token()).get("/DEFAULT/controller/v1/someone-else").then().statusCode(401);
    }

    @Test
    void unmodifiedSwupdatePollsDownloadsAndReports() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.isExecutable(Path.of(SWUPDATE)),
                "Debian package swupdate is not installed (test.sh installs it)");
        DeviceSim d = new DeviceSim("swu-dev", "token-of-swu-dev-0123456789");
        Api.registerWithToken(d.id(), d.token(), Map.of());
        Path work =
                Files.createTempDirectory(
                        Files.createDirectories(Path.of("target").toAbsolutePath()), "swupdate");
        Path cert = work.resolve("cert.pem");
        run(
                List.of(
                        "openssl",
                        "req",
                        "-x509",
                        "-newkey",
                        "ec",
                        "-pkeyopt",
                        "ec_paramgen_curve:prime256v1",
                        "-nodes",
                        "-keyout",
                        work.resolve("key.pem").toString(),
                        "-out",
                        cert.toString(),
                        "-subj",
                        "/CN=swupdate test",
                        "-days",
                        "1"));
        String url = root.toString().replaceAll("/$", "");
        Path log = work.resolve("swupdate.log");
        Process swu =
                new ProcessBuilder(
                                SWUPDATE,
                                "-v",
                                "-n",
                                "-k",
                                cert.toString(),
                                "-u",
                                "-t DEFAULT -u "
                                        + url
                                        + " -i "
                                        + d.id()
                                        + " -k "
                                        + d.token()
                                        + " -p 1")
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        try {
            await(
                    () ->
                            as(VIEWER)
                                            .get("/api/v1/devices/swu-dev")
                                            .then()
                                            .extract()
                                            .jsonPath()
                                            .getString("device.lastSeen")
                                    != null,
                    log,
                    "SWUpdate never polled");
            assertThat(
                            as(VIEWER)
                                    .get("/api/v1/devices/swu-dev")
                                    .then()
                                    .extract()
                                    .jsonPath()
                                    .getString("device.protocol"))
                    .isEqualTo("ddi");
            Api.upload("swu-v5", TestReleases.image("5.0.0"));
            Api.staticGroup("swu-all", List.of(d.id()));
            Api.deploy("swu-dep", "swu-v5", "swu-all", Map.of());
            await(
                    () ->
                            Api.total(Api.status("swu-dep"), "FAILED")
                                            + Api.total(Api.status("swu-dep"), "SUCCEEDED")
                                    == 1,
                    log,
                    "SWUpdate did not report an outcome");
        } finally {
            swu.destroy();
            if (!swu.waitFor(10, TimeUnit.SECONDS)) swu.destroyForcibly();
        }
        // Meerkat releases are MCUboot images, not .swu archives: SWUpdate downloads the artifact,
        // finds
        // it is no SWU and reports the failure through DDI feedback, which settles the execution.
        JsonPath ex =
                as(VIEWER)
                        .get("/api/v1/deployments/swu-dep/executions")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath();
        assertThat(ex.getString("[0].state")).isEqualTo("FAILED");
        assertThat(ex.getString("[0].statusDetails")).startsWith("ddi:");
        List<Map<String, Object>> audit =
                as(Api.ADMIN)
                        .get("/api/v1/audit?limit=5000")
                        .then()
                        .extract()
                        .jsonPath()
                        .getList("entries");
        assertThat(audit)
                .anySatisfy(
                        a -> {
                            assertThat(a.get("action")).isEqualTo("execution.in_progress");
                            assertThat(a.get("subject")).isEqualTo("swu-dep/swu-dev");
                        });
    }

    interface Check {
        boolean ok();
    }

    static void await(Check check, Path log, String what) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (!check.ok()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError(
                        what + "; its log:\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            Thread.sleep(200);
        }
    }

    static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IOException(String.join(" ", cmd) + ": " + out);
    }
}
