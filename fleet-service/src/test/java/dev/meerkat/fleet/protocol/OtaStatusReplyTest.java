package dev.meerkat.fleet.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.fleet.deploy.DeviceReport;
import dev.meerkat.fleet.deploy.Execution;
import dev.meerkat.fleet.deploy.ExecutionState;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** How an OTA.Status reply (the firmware's OtaState, as OtaRpc.status() sends it) is read. */
class OtaStatusReplyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T = Instant.parse("2026-12-01T07:00:00Z");
    private static final Execution STARTED =
            new Execution(
                    42,
                    "dep-1",
                    "dev-1",
                    0,
                    0,
                    ExecutionState.IN_PROGRESS,
                    3,
                    0,
                    T,
                    T,
                    null,
                    T,
                    null,
                    null,
                    null);

    private static JsonNode status(String json) throws Exception {
        return JSON.readTree(json);
    }

    @Test
    void aCommittedUpdateOfTheReleaseSucceedsTheExecutionAtItsVersion() throws Exception {
        DeviceReport r =
                MqttTransport.statusReport(
                        STARTED,
                        "1.2.0",
                        status(
                                """
                                {"phase":"idle","result":{"state":"committed","version":"1.2.0",
                                 "running":"1.2.0"},"boot":{"phase":"idle","running":"PRIMARY",
                                 "committed":true,"last_rollback":"NONE"},"running_version":"1.2.0"}
                                """));
        assertThat(r.status()).isEqualTo("SUCCEEDED");
        assertThat(r.expectedVersion()).isEqualTo(3L);
        assertThat(r.statusDetails()).contains("committed 1.2.0");
    }

    @Test
    void aRolledBackUpdateFailsTheExecutionWithTheBootloadersReason() throws Exception {
        DeviceReport r =
                MqttTransport.statusReport(
                        STARTED,
                        "1.2.0",
                        status(
                                """
                                {"phase":"idle","result":{"state":"rolled_back",
                                 "reason":"TEST_BOOT_WATCHDOG",
                                 "description":"test boot was reset by the watchdog before commit",
                                 "version":"1.2.0","running":"1.1.0"},"running_version":"1.1.0"}
                                """));
        assertThat(r.status()).isEqualTo("FAILED");
        assertThat(r.expectedVersion()).isEqualTo(3L);
        assertThat(r.rollbackReason())
                .isEqualTo("TEST_BOOT_WATCHDOG: test boot was reset by the watchdog before commit");
    }

    @Test
    void aFailedUpdateFailsTheExecutionWithItsError() throws Exception {
        DeviceReport r =
                MqttTransport.statusReport(
                        STARTED,
                        "1.2.0",
                        status(
                                """
                                {"phase":"idle","result":{"state":"failed",
                                 "error":"signature does not verify","version":"1.2.0",
                                 "running":"1.1.0"}}
                                """));
        assertThat(r.status()).isEqualTo("FAILED");
        assertThat(r.statusDetails()).contains("signature does not verify");
    }

    @Test
    void anUpdateStillRunningReportsNothing() throws Exception {
        assertThat(
                        MqttTransport.statusReport(
                                STARTED,
                                "1.2.0",
                                status(
                                        """
                                        {"phase":"downloading","url":"https://f/x","version":"1.2.0",
                                         "bytes":1024,"total":65536,"result":{"state":"committed",
                                         "version":"1.2.0","running":"1.2.0"}}
                                        """)))
                .isNull();
        assertThat(
                        MqttTransport.statusReport(
                                STARTED,
                                "1.2.0",
                                status("{\"phase\":\"installed\",\"version\":\"1.2.0\"}")))
                .isNull();
    }

    @Test
    void theResultOfAnotherUpdateOrNoneReportsNothing() throws Exception {
        assertThat(
                        MqttTransport.statusReport(
                                STARTED,
                                "1.2.0",
                                status(
                                        """
                                        {"phase":"idle","result":{"state":"committed",
                                         "version":"1.1.0","running":"1.1.0"}}
                                        """)))
                .isNull();
        assertThat(MqttTransport.statusReport(STARTED, "1.2.0", status("{\"phase\":\"idle\"}")))
                .isNull();
        assertThat(
                        MqttTransport.statusReport(
                                STARTED,
                                "1.2.0",
                                status(
                                        """
                                        {"phase":"idle","result":{"state":"cancelled",
                                         "version":"1.2.0","running":"1.1.0"}}
                                        """)))
                .isNull();
    }
}
