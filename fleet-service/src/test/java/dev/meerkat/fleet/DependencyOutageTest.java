package dev.meerkat.fleet;

import static dev.meerkat.fleet.Api.VIEWER;
import static dev.meerkat.fleet.Api.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL, the broker and the S3 server each stop in turn in the middle of a 3-phase rollout:
 * readiness says DOWN and names the one that is missing, the service keeps answering (liveness, 503
 * problem documents), and once the dependency is back readiness is UP and the rollout goes on from
 * where it was: every device ends with exactly one successful execution.
 */
@QuarkusTest
@WithTestResource(PostgresS3Resource.class)
class DependencyOutageTest {

    @Test
    void readinessNamesEachMissingDependencyAndTheRolloutResumesAfterIt() throws Exception {
        List<DeviceSim> sims = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            DeviceSim d = new DeviceSim("out-" + i, "token-of-out-" + i + "-0123456789");
            Api.registerWithToken(d.id(), d.token(), Map.of("platform", TestReleases.PLATFORM));
            sims.add(d);
            ids.add(d.id());
        }
        Api.upload("out-v2", TestReleases.image("2.0.0"));
        Api.staticGroup("out-all", ids);
        Api.deploy(
                "out-dep",
                "out-v2",
                "out-all",
                Map.of(
                        "phases",
                        List.of(Map.of("count", 1), Map.of("count", 1), Map.of()),
                        "autoPause",
                        false));
        awaitReady(null);
        runPhase(sims, 1);

        // PostgreSQL
        PostgresS3Resource.stopPostgres();
        try {
            awaitReady("database");
            given().get("/q/health/live").then().statusCode(200);
            Response r = as(VIEWER).get("/api/v1/deployments/out-dep");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.contentType()).startsWith("application/problem+json");
        } finally {
            PostgresS3Resource.startPostgresAgain();
        }
        awaitReady(null);
        runPhase(sims, 2);

        // the broker
        PostgresS3Resource.stopBroker();
        try {
            awaitReady("mqtt");
            given().get("/q/health/live").then().statusCode(200);
        } finally {
            PostgresS3Resource.startBrokerAgain();
        }
        awaitReady(null);

        // the S3 server: the last device is offered its work but cannot download it yet
        PostgresS3Resource.stopS3();
        try {
            awaitReady("object-store");
            DeviceSim last = null;
            JsonPath work = null;
            for (DeviceSim d : sims) {
                JsonPath w = d.poll("1.0.0");
                if (w != null) {
                    last = d;
                    work = w;
                }
            }
            assertThat(last).as("the third phase was released").isNotNull();
            Response r =
                    Api.device(last.token())
                            .get(
                                    "/api/v1/device/"
                                            + last.id()
                                            + "/executions/"
                                            + work.getString("deploymentId")
                                            + "/artifact");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.jsonPath().getString("title")).isEqualTo("Object store unavailable");
        } finally {
            PostgresS3Resource.startS3Again();
        }
        awaitReady(null);
        runPhase(sims, 3);

        JsonPath done =
                Api.awaitStatus(
                        "out-dep", s -> Api.state(s).equals("COMPLETED"), Duration.ofMinutes(1));
        assertThat(Api.total(done, "SUCCEEDED")).isEqualTo(3);
        List<Map<String, Object>> ex = Api.executions("out-dep");
        assertThat(ex).extracting(e -> e.get("deviceId")).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(ex).allMatch(e -> "SUCCEEDED".equals(e.get("state")));
    }

    /**
     * Polls until one more device has run its update (the rollout engine releases in the
     * background).
     */
    private static void runPhase(List<DeviceSim> sims, int succeeded) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (true) {
            for (DeviceSim d : sims) d.runOnce("1.0.0", false);
            if (Api.total(Api.status("out-dep"), "SUCCEEDED") >= succeeded) break;
            assertThat(Instant.now()).as("phase %d released", succeeded).isBefore(deadline);
            Thread.sleep(200);
        }
        assertThat(Api.total(Api.status("out-dep"), "SUCCEEDED")).isEqualTo(succeeded);
    }

    /** Waits until readiness is UP ({@code down} null) or DOWN naming {@code down}. */
    private static void awaitReady(String down) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            Response r = given().get("/q/health/ready");
            last = r.asString();
            if (down == null) {
                if (r.statusCode() == 200) return;
            } else if (r.statusCode() == 503) {
                Map<String, Object> data =
                        r.jsonPath().getMap("checks.find { it.name == 'fleet' }.data");
                if ("down".equals(data.get(down))) {
                    assertThat(r.jsonPath().getString("status")).isEqualTo("DOWN");
                    return;
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError(
                "readiness never became "
                        + (down == null ? "UP" : "DOWN for " + down)
                        + ": "
                        + last);
    }
}
