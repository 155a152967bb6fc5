package dev.meerkat.fleet;

import static dev.meerkat.fleet.Api.ADMIN;
import static dev.meerkat.fleet.Api.OPERATOR;
import static dev.meerkat.fleet.Api.VIEWER;
import static dev.meerkat.fleet.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Phased deployments on PostgreSQL, driven by devices polling the HTTP device API. */
@QuarkusTest
@WithTestResource(PostgresS3Resource.class)
class RolloutPostgresTest {

    static List<DeviceSim> fleet(String prefix, int n, Map<String, String> attrs) {
        List<DeviceSim> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            DeviceSim d =
                    new DeviceSim(prefix + "-" + i, "token-of-" + prefix + "-" + i + "-0123456789");
            Api.registerWithToken(d.id(), d.token(), attrs);
            out.add(d);
        }
        return out;
    }

    static Map<String, Object> threePhases(boolean autoPause) {
        return Map.of(
                "phases",
                List.of(Map.of("percent", 20), Map.of("percent", 30), Map.of()),
                "autoPause",
                autoPause,
                "abortCriteria",
                List.of(Map.of("failureType", "FAILED", "thresholdPercent", 50, "minExecuted", 2)));
    }

    @Test
    void threePhaseDeploymentCommitsEverywhereWithAPauseBetweenPhases() {
        List<DeviceSim> devices = fleet("ok", 10, Map.of("platform", "meerkat-sim"));
        String release = Api.upload("ok-v2", TestReleases.image("2.0.0"));
        Api.staticGroup("ok-all", devices.stream().map(DeviceSim::id).toList());
        JsonPath created = Api.deploy("ok-dep", release, "ok-all", threePhases(true));
        assertThat(created.getList("phases.devices", Integer.class)).containsExactly(2, 3, 5);

        Set<String> updated = new HashSet<>();
        for (int phase = 0; phase < 3; phase++) {
            int p = phase;
            Api.awaitStatus(
                    "ok-dep",
                    s ->
                            s.getInt("phases[" + p + "].released")
                                    == s.getInt("phases[" + p + "].devices"));
            for (DeviceSim d : devices) {
                if (!updated.contains(d.id()) && d.runOnce("1.0.0", false) != null)
                    updated.add(d.id());
            }
            int expected = p == 0 ? 2 : p == 1 ? 5 : 10;
            assertThat(updated).as("devices updated after phase %d", p + 1).hasSize(expected);
            if (p < 2) {
                JsonPath waiting = Api.awaitStatus("ok-dep", s -> Api.state(s).equals("WAITING"));
                assertThat(waiting.getString("deployment.stateReason"))
                        .contains("phase " + (p + 1) + " of 3 finished");
                as(OPERATOR).post("/api/v1/deployments/ok-dep/next-phase").then().statusCode(200);
            }
        }
        JsonPath done = Api.awaitStatus("ok-dep", s -> Api.state(s).equals("COMPLETED"));
        assertThat(Api.total(done, "SUCCEEDED")).isEqualTo(10);
        // Every execution ended exactly once, in one final state.
        List<Map<String, Object>> ex = Api.executions("ok-dep");
        assertThat(ex)
                .hasSize(10)
                .allSatisfy(e -> assertThat(e.get("state")).isEqualTo("SUCCEEDED"));
        assertThat(ex)
                .allSatisfy(
                        e ->
                                assertThat(((Number) e.get("versionNumber")).longValue())
                                        .isEqualTo(3));
    }

    @Test
    void brokenReleaseTripsTheAbortInPhaseOneAndQueuedDevicesAreNeverTold() {
        List<DeviceSim> devices = fleet("bad", 10, Map.of());
        String release = Api.upload("bad-v2", TestReleases.image("2.0.1"));
        Api.staticGroup("bad-all", devices.stream().map(DeviceSim::id).toList());
        Api.deploy("bad-dep", release, "bad-all", threePhases(false));
        Api.awaitStatus("bad-dep", s -> s.getInt("phases[0].released") == 2);

        List<String> took = new ArrayList<>();
        for (DeviceSim d : devices) {
            if (d.runOnce("1.0.0", true) != null) took.add(d.id());
        }
        assertThat(took).hasSize(2);
        JsonPath aborted = Api.awaitStatus("bad-dep", s -> Api.state(s).equals("ABORTED"));
        assertThat(aborted.getString("deployment.stateReason"))
                .contains("2 of 2 executed devices failed")
                .contains("8 queued executions canceled");
        assertThat(Api.total(aborted, "FAILED")).isEqualTo(2);
        assertThat(Api.total(aborted, "CANCELED")).isEqualTo(8);
        assertThat(aborted.getInt("phases[1].released")).isZero();
        assertThat(aborted.getInt("phases[2].released")).isZero();
        for (DeviceSim d : devices) {
            assertThat(d.poll("1.0.0"))
                    .as("%s is offered nothing after the abort", d.id())
                    .isNull();
        }
        for (String id : took) {
            JsonPath dev =
                    as(VIEWER)
                            .get("/api/v1/devices/" + id)
                            .then()
                            .statusCode(200)
                            .extract()
                            .jsonPath();
            assertThat(dev.getString("executions[0].state")).isEqualTo("FAILED");
            assertThat(dev.getString("executions[0].rollbackReason"))
                    .contains("bootloader reverted");
        }
        List<Map<String, Object>> audit =
                as(ADMIN)
                        .get("/api/v1/audit?limit=5000")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("entries");
        assertThat(audit)
                .anySatisfy(
                        a -> {
                            assertThat(a.get("action")).isEqualTo("deployment.abort");
                            assertThat(a.get("subject")).isEqualTo("bad-dep");
                        });
    }

    @Test
    void staleAndFinalReportsAreRefused() {
        List<DeviceSim> devices = fleet("ver", 1, Map.of());
        DeviceSim d = devices.get(0);
        Api.upload("ver-v2", TestReleases.image("2.0.2"));
        Api.staticGroup("ver-all", List.of(d.id()));
        Api.deploy("ver-dep", "ver-v2", "ver-all", Map.of());
        Api.awaitStatus("ver-dep", s -> s.getInt("phases[0].released") == 1);
        JsonPath w = d.poll("1.0.0");
        long v = w.getLong("versionNumber");
        String path = "/api/v1/device/" + d.id() + "/executions/ver-dep";
        Api.device(d.token())
                .contentType(ContentType.JSON)
                .body(Map.of("status", "IN_PROGRESS", "expectedVersion", v))
                .post(path)
                .then()
                .statusCode(200);
        Api.device(d.token())
                .contentType(ContentType.JSON)
                .body(Map.of("status", "SUCCEEDED", "expectedVersion", v))
                .post(path)
                .then()
                .statusCode(409)
                .contentType("application/problem+json")
                .body("title", org.hamcrest.Matchers.equalTo("Version mismatch"));
        Api.device(d.token())
                .contentType(ContentType.JSON)
                .body(Map.of("status", "SUCCEEDED", "expectedVersion", v + 1))
                .post(path)
                .then()
                .statusCode(200);
        Api.device(d.token())
                .contentType(ContentType.JSON)
                .body(Map.of("status", "FAILED"))
                .post(path)
                .then()
                .statusCode(409)
                .body("title", org.hamcrest.Matchers.equalTo("Terminal state reached"));
        Api.device(d.token())
                .contentType(ContentType.JSON)
                .body(Map.of("status", "TIMED_OUT"))
                .post(path)
                .then()
                .statusCode(400);
        // Another device's token does not open this device's API.
        Api.device("wrong-token-0123456789")
                .get("/api/v1/device/" + d.id() + "/next")
                .then()
                .statusCode(401);
    }

    @Test
    void inProgressTimeoutRetriesOnceThenTimesOut() {
        DeviceSim d = fleet("slow", 1, Map.of()).get(0);
        Api.upload("slow-v2", TestReleases.image("2.0.3"));
        Api.staticGroup("slow-all", List.of(d.id()));
        Api.deploy(
                "slow-dep",
                "slow-v2",
                "slow-all",
                Map.of(
                        "inProgressTimeoutSeconds",
                        1,
                        "retry",
                        Map.of(
                                "failureType",
                                "TIMED_OUT",
                                "maxRetries",
                                1,
                                "backoffSeconds",
                                0,
                                "maxBackoffSeconds",
                                0)));
        Api.awaitStatus("slow-dep", s -> s.getInt("phases[0].released") == 1);
        String path = "/api/v1/device/" + d.id() + "/executions/slow-dep";
        Api.device(d.token())
                .contentType(ContentType.JSON)
                .body(Map.of("status", "IN_PROGRESS"))
                .post(path)
                .then()
                .statusCode(200);
        Api.awaitStatus("slow-dep", s -> Api.total(s, "QUEUED") == 1);
        JsonPath again = d.poll("1.0.0");
        assertThat(again.getInt("attempt")).isEqualTo(1);
        Api.device(d.token())
                .contentType(ContentType.JSON)
                .body(Map.of("status", "IN_PROGRESS"))
                .post(path)
                .then()
                .statusCode(200);
        JsonPath done = Api.awaitStatus("slow-dep", s -> Api.state(s).equals("PAUSED"));
        assertThat(Api.total(done, "TIMED_OUT")).isEqualTo(1);
        assertThat(done.getString("deployment.stateReason"))
                .contains("below the 100.0% success criterion");
    }

    @Test
    void dynamicGroupDeploymentReachesDevicesThatJoinLater() {
        fleet("dyn", 2, Map.of("region", "eu-north"));
        Api.upload("dyn-v2", TestReleases.image("2.0.4"));
        as(OPERATOR)
                .contentType(ContentType.JSON)
                .body(Map.of("name", "dyn-eu", "filter", "region=eu-* and id=dyn-*"))
                .post("/api/v1/groups")
                .then()
                .statusCode(201);
        Api.deploy("dyn-dep", "dyn-v2", "dyn-eu", Map.of());
        Api.awaitStatus("dyn-dep", s -> s.getInt("phases[0].released") == 2);
        DeviceSim late = fleet("dyn-late", 1, Map.of("region", "eu-south")).get(0);
        fleet("dyn-us", 1, Map.of("region", "us-east"));
        Api.awaitStatus("dyn-dep", s -> s.getInt("phases[0].released") == 3);
        assertThat(late.runOnce("1.0.0", false)).isEqualTo("dyn-dep");
        List<String> members =
                as(VIEWER)
                        .get("/api/v1/groups/dyn-eu")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("members", String.class);
        assertThat(members).containsExactlyInAnyOrder("dyn-0", "dyn-1", "dyn-late-0");
    }

    @Test
    void devicesRemovedFromAStaticGroupLeaveItsDeploymentWhileQueued() {
        List<DeviceSim> devices = fleet("leave", 4, Map.of());
        Api.upload("leave-v2", TestReleases.image("2.0.6"));
        Api.staticGroup("leave-all", devices.stream().map(DeviceSim::id).toList());
        // phase 1 is one device and waits for next-phase: the other three stay queued
        Api.deploy(
                "leave-dep",
                "leave-v2",
                "leave-all",
                Map.of("phases", List.of(Map.of("count", 1), Map.of()), "autoPause", true));
        Api.awaitStatus("leave-dep", s -> s.getInt("phases[0].released") == 1);
        // one removal, then another once the engine has followed the first (it skips its scan
        // while the group's removal count stands still; the second removal must move it again)
        for (int left = 1; left <= 2; left++) {
            String leaver = devices.get(4 - left).id();
            as(OPERATOR)
                    .contentType(ContentType.JSON)
                    .body(Map.of("add", List.of(), "remove", List.of(leaver)))
                    .post("/api/v1/groups/leave-all/members")
                    .then()
                    .statusCode(200);
            int removed = left;
            Api.awaitStatus("leave-dep", s -> Api.total(s, "REMOVED") == removed);
            assertThat(devices.get(4 - left).poll("1.0.0")).isNull();
        }
        JsonPath status = Api.status("leave-dep");
        assertThat(Api.total(status, "QUEUED")).isEqualTo(2);
        assertThat(Api.total(status, "REMOVED")).isEqualTo(2);
    }

    @Test
    void pauseStopsReleasingAndCancelCancelsWhatIsQueued() {
        List<DeviceSim> devices = fleet("pc", 4, Map.of());
        Api.upload("pc-v2", TestReleases.image("2.0.5"));
        Api.staticGroup("pc-all", devices.stream().map(DeviceSim::id).toList());
        Api.deploy(
                "pc-dep",
                "pc-v2",
                "pc-all",
                Map.of("phases", List.of(Map.of("count", 1), Map.of())));
        Api.awaitStatus("pc-dep", s -> s.getInt("phases[0].released") == 1);
        as(OPERATOR)
                .post("/api/v1/deployments/pc-dep/pause")
                .then()
                .statusCode(200)
                .body("deployment.state", org.hamcrest.Matchers.equalTo("PAUSED"));
        for (DeviceSim d : devices) assertThat(d.poll("1.0.0")).isNull();
        as(OPERATOR)
                .post("/api/v1/deployments/pc-dep/pause")
                .then()
                .statusCode(409)
                .contentType("application/problem+json");
        as(VIEWER).post("/api/v1/deployments/pc-dep/resume").then().statusCode(403);
        as(OPERATOR).post("/api/v1/deployments/pc-dep/resume").then().statusCode(200);
        JsonPath canceled =
                as(OPERATOR)
                        .post("/api/v1/deployments/pc-dep/cancel")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath();
        assertThat(canceled.getString("deployment.state")).isEqualTo("CANCELED");
        assertThat(Api.total(canceled, "CANCELED")).isEqualTo(4);
    }
}
