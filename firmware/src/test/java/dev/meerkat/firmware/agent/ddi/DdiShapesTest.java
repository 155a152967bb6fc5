package dev.meerkat.firmware.agent.ddi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.boot.RollbackReason;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.firmware.ota.OtaResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The DDI documents as a hawkBit server sends them and as it expects them back. */
class DdiShapesTest {

    private static com.fasterxml.jackson.databind.JsonNode json(String s) {
        return Json.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void controllerBaseGivesSleepAndLinks() {
        ControllerBase b =
                ControllerBase.fromJson(
                        json(
                                """
                                {"config":{"polling":{"sleep":"00:05:00"}},
                                 "_links":{"deploymentBase":{"href":"https://h/DEFAULT/controller/v1/d1/deploymentBase/3?c=-2"},
                                           "configData":{"href":"https://h/DEFAULT/controller/v1/d1/configData"}}}
                                """));
        assertThat(b.sleep()).isEqualTo(Duration.ofMinutes(5));
        assertThat(b.deploymentBase())
                .contains("https://h/DEFAULT/controller/v1/d1/deploymentBase/3?c=-2");
        assertThat(b.configData()).contains("https://h/DEFAULT/controller/v1/d1/configData");

        ControllerBase idle =
                ControllerBase.fromJson(
                        json("{\"config\":{\"polling\":{\"sleep\":\"12:00:00\"}},\"_links\":{}}"));
        assertThat(idle.deploymentBase()).isEmpty();
        assertThat(idle.configData()).isEmpty();
    }

    @Test
    void sleepIsHoursMinutesSecondsWithinBounds() {
        assertThat(ControllerBase.parseSleep("00:00:00")).isEqualTo(Duration.ofSeconds(1));
        assertThat(ControllerBase.parseSleep("100:00:00")).isEqualTo(ControllerBase.MAX_SLEEP);
        assertThatThrownBy(() -> ControllerBase.parseSleep("5m"))
                .hasMessageContaining("config.polling.sleep '5m' is not HH:MM:SS");
        assertThatThrownBy(() -> ControllerBase.fromJson(json("{\"_links\":{}}")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deploymentBaseChoosesTheOsChunksHttpDownload() {
        DeploymentBase d =
                DeploymentBase.fromJson(
                        json(
                                """
                                {"id":"8","deployment":{"download":"forced","update":"forced","chunks":[
                                  {"part":"bApp","version":"1","name":"app","artifacts":[
                                    {"filename":"app.bin","size":10,"_links":{"download":{"href":"https://h/a"}}}]},
                                  {"part":"os","version":"2.0.0","name":"rel","artifacts":[
                                    {"filename":"rel.bin","hashes":{"sha1":"x","md5":"y","sha256":"abc"},"size":4096,
                                     "_links":{"download":{"href":"https://h/s"},"download-http":{"href":"http://h/s"}}}]}]}}
                                """));
        assertThat(d.actionId()).isEqualTo("8");
        assertThat(d.image())
                .contains(
                        new DeploymentBase.Artifact(
                                "rel.bin",
                                OptionalLong.of(4096),
                                Optional.of("abc"),
                                "http://h/s"));
        assertThat(
                        DeploymentBase.fromJson(
                                        json("{\"id\":\"9\",\"deployment\":{\"chunks\":[]}}"))
                                .image())
                .isEmpty();
        assertThatThrownBy(() -> DeploymentBase.fromJson(json("{\"deployment\":{}}")))
                .hasMessageContaining("without a valid id");
    }

    @Test
    void feedbackIsHawkbitsActionStatus() {
        assertThat(Json.parse(Json.bytes(Feedback.progress("8", 40).toJson())))
                .isEqualTo(
                        json(
                                """
                                {"id":"8","status":{"execution":"proceeding",
                                 "result":{"finished":"none","progress":{"cnt":4,"of":10}},
                                 "details":["downloaded 40%"]}}
                                """));
        Feedback closed = Feedback.closed("8", true, List.of("committed"));
        assertThat(closed.toJson().path("status").path("result").path("finished").asText())
                .isEqualTo("success");
        assertThat(closed.isFinal()).isTrue();
        assertThat(Feedback.fromJson(closed.toJson())).isEqualTo(closed);
    }

    @Test
    void aRollbackIsAFailureWhoseFirstDetailIsTheBootloadersReason() {
        Feedback f =
                DdiAgent.outcome(
                        "8",
                        new OtaResult(
                                OtaResult.Outcome.ROLLED_BACK,
                                Optional.of(RollbackReason.TEST_BOOT_FAULT),
                                Optional.of("init failed"),
                                Optional.of("2.0.1"),
                                "2.0.0"));
        assertThat(f.finished()).isEqualTo("failure");
        assertThat(f.details())
                .containsExactly(
                        "TEST_BOOT_FAULT: " + RollbackReason.TEST_BOOT_FAULT.description(),
                        "init failed",
                        "rolled_back, running 2.0.0");
    }

    @Test
    void theJournalSurvivesAsJson() {
        DdiAction a = new DdiAction("8", "http://h/deploymentBase/8/feedback", Optional.empty());
        assertThat(DdiAction.fromJson(a.toJson())).isEqualTo(a);
        DdiAction done = a.withOutcome(Feedback.closed("8", false, List.of("why")));
        assertThat(DdiAction.fromJson(Json.parse(Json.bytes(done.toJson())))).isEqualTo(done);
        assertThatThrownBy(() -> DdiAction.fromJson(json("{}")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
