package dev.meerkat.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.fleet.deploy.DeviceReport;
import dev.meerkat.fleet.deploy.ExecutionService;
import dev.meerkat.fleet.deploy.ExecutionService.PushEvent;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Batches of pushed device events on PostgreSQL: several events of one device in one batch all
 * count (state, one version step each, details kept where a later event has none), events after a
 * final state are skipped, and the devices' reported versions are stored.
 */
@QuarkusTest
@WithTestResource(PostgresS3Resource.class)
class PushEventsPostgresTest {

    @Inject ExecutionService executions;

    @Test
    void severalEventsOfOneDeviceInOneBatchAreAppliedInOrder() {
        List<DeviceSim> devices =
                RolloutPostgresTest.fleet("push", 3, Map.of("platform", "meerkat-sim"));
        String release = Api.upload("push-v2", TestReleases.image("2.0.0"));
        Api.staticGroup("push-all", devices.stream().map(DeviceSim::id).toList());
        Api.deploy("push-dep", release, "push-all", Map.of("phases", List.of(Map.of())));
        Api.awaitStatus("push-dep", s -> s.getInt("phases[0].released") == 3);
        Map<String, Map<String, Object>> before = byDevice();
        String a = "push-0", b = "push-1", c = "push-2";

        int changed =
                executions.applyPushEvents(
                        List.of(
                                event(a, null, "IN_PROGRESS", "downloading"),
                                event(b, null, "IN_PROGRESS", "writing slot 1"),
                                event(c, "2.0.0", "SUCCEEDED", "already running it"),
                                event(a, "2.0.0", "SUCCEEDED", null),
                                event(c, null, "IN_PROGRESS", "late")),
                        "mqtt-rpc");

        assertThat(changed).isEqualTo(4);
        Map<String, Map<String, Object>> after = byDevice();
        assertThat(after.get(a))
                .containsEntry("state", "SUCCEEDED")
                .containsEntry("statusDetails", "downloading");
        assertThat(version(after, a)).isEqualTo(version(before, a) + 2);
        assertThat(after.get(a).get("startedAt")).isNotNull();
        assertThat(after.get(b))
                .containsEntry("state", "IN_PROGRESS")
                .containsEntry("statusDetails", "writing slot 1");
        assertThat(version(after, b)).isEqualTo(version(before, b) + 1);
        assertThat(after.get(c))
                .containsEntry("state", "SUCCEEDED")
                .containsEntry("statusDetails", "already running it");
        assertThat(version(after, c)).isEqualTo(version(before, c) + 1);
        // The devices' rows: the running version where one was said, last seen for all three.
        assertThat(device(a).getString("device.reportedVersion")).isEqualTo("2.0.0");
        assertThat(device(c).getString("device.reportedVersion")).isEqualTo("2.0.0");
        assertThat(device(b).getString("device.reportedVersion")).isNull();
        for (String d : List.of(a, b, c))
            assertThat(device(d).getString("device.lastSeen")).isNotNull();

        // Final executions take nothing more; two progress reports of one device in one batch
        // both count, the last one's details kept.
        assertThat(
                        executions.applyPushEvents(
                                List.of(
                                        event(a, null, "IN_PROGRESS", "again"),
                                        event(b, null, "IN_PROGRESS", "50 %"),
                                        event(c, null, "FAILED", "again"),
                                        event(b, null, "IN_PROGRESS", "90 %")),
                                "mqtt-rpc"))
                .isEqualTo(2);
        Map<String, Map<String, Object>> last = byDevice();
        assertThat(last.get(b))
                .containsEntry("state", "IN_PROGRESS")
                .containsEntry("statusDetails", "90 %");
        assertThat(version(last, b)).isEqualTo(version(before, b) + 3);
        assertThat(version(last, a)).isEqualTo(version(after, a));
        assertThat(last.get(c)).containsEntry("state", "SUCCEEDED");
    }

    private static PushEvent event(String device, String running, String status, String details) {
        Function<dev.meerkat.fleet.deploy.Execution, DeviceReport> report =
                e -> new DeviceReport(status, null, details, null);
        return new PushEvent(device, running, report);
    }

    private static io.restassured.path.json.JsonPath device(String id) {
        return Api.as(Api.VIEWER)
                .get("/api/v1/devices/" + id)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    private static Map<String, Map<String, Object>> byDevice() {
        return Api.executions("push-dep").stream()
                .collect(Collectors.toMap(e -> (String) e.get("deviceId"), e -> e));
    }

    private static long version(Map<String, Map<String, Object>> m, String device) {
        return ((Number) m.get(device).get("versionNumber")).longValue();
    }
}
