package dev.meerkat.cloud.aws.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Payloads as the npm aws-iot-device-sdk-v2 1.28.0 sends them, and answers as AWS IoT writes them.
 */
class JobsJsonTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsTheNpmClientsUpdateWithItsRedundantFields() {
        UpdateJobExecutionRequest r =
                JobsJson.read(
                        utf8(
                                "{\"thingName\":\"dev1\",\"jobId\":\"job-1\",\"status\":"
                                        + "\"SUCCEEDED\",\"expectedVersion\":2,\"statusDetails\":{\"k\":\"v\"}}"),
                        UpdateJobExecutionRequest.class);
        assertThat(r.status()).isEqualTo(JobExecutionStatus.SUCCEEDED);
        assertThat(r.expectedVersion()).isEqualTo(2L);
        assertThat(r.statusDetails()).containsExactly(Map.entry("k", "v"));
        StartNextPendingJobExecutionRequest s =
                JobsJson.read(
                        utf8("{\"thingName\":\"dev1\",\"stepTimeoutInMinutes\":5}"),
                        StartNextPendingJobExecutionRequest.class);
        assertThat(s.stepTimeoutInMinutes()).isEqualTo(5L);
        assertThat(JobsJson.read(new byte[0], GetPendingJobExecutionsRequest.class).clientToken())
                .isNull();
    }

    @Test
    void writesAnswersWithoutNullsInAwsFieldOrder() {
        JobExecutionState state =
                new JobExecutionState(JobExecutionStatus.IN_PROGRESS, Map.of("p", "5"), 3L);
        assertThat(
                        new String(
                                JobsJson.write(
                                        new RejectedErrorResponse(
                                                RejectedErrorCode.VersionMismatch,
                                                "m",
                                                7L,
                                                "t",
                                                state)),
                                StandardCharsets.UTF_8))
                .isEqualTo(
                        "{\"code\":\"VersionMismatch\",\"message\":\"m\","
                                + "\"timestamp\":7,\"clientToken\":\"t\",\"executionState\":{\"status\":\"IN_PROGRESS\","
                                + "\"statusDetails\":{\"p\":\"5\"},\"versionNumber\":3}}");
        JobExecutionSummary summary = new JobExecutionSummary("a", 1L, 2L, 3L, 4L, null);
        assertThat(
                        new String(
                                JobsJson.write(
                                        new JobExecutionsChangedEvent(
                                                Map.of(
                                                        JobExecutionStatus.QUEUED,
                                                        List.of(summary),
                                                        JobExecutionStatus.IN_PROGRESS,
                                                        List.of(summary)),
                                                9L)),
                                StandardCharsets.UTF_8))
                .isEqualTo(
                        "{\"jobs\":{\"IN_PROGRESS\":[{\"jobId\":\"a\",\"executionNumber\":1,\"versionNumber\":2,"
                                + "\"lastUpdatedAt\":3,\"queuedAt\":4}],\"QUEUED\":[{\"jobId\":\"a\",\"executionNumber\":1,"
                                + "\"versionNumber\":2,\"lastUpdatedAt\":3,\"queuedAt\":4}]},\"timestamp\":9}");
        assertThat(
                        new String(
                                JobsJson.write(new StartNextJobExecutionResponse(null, 5L, null)),
                                StandardCharsets.UTF_8))
                .isEqualTo("{\"timestamp\":5}");
    }

    @Test
    void refusesWhatIsNotAJsonObjectOfTheShape() {
        assertThatThrownBy(() -> JobsJson.read(utf8("[1]"), UpdateJobExecutionRequest.class))
                .isInstanceOfSatisfying(
                        JobsProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(RejectedErrorCode.InvalidJson));
        assertThatThrownBy(
                        () ->
                                JobsJson.read(
                                        utf8("{\"status\":\"DONE\"}"),
                                        UpdateJobExecutionRequest.class))
                .isInstanceOfSatisfying(
                        JobsProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(RejectedErrorCode.InvalidJson));
        assertThatThrownBy(
                        () ->
                                JobsJson.read(
                                        new byte[JobsLimits.MAX_PAYLOAD + 1],
                                        UpdateJobExecutionRequest.class))
                .isInstanceOfSatisfying(
                        JobsProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(RejectedErrorCode.InvalidRequest));
    }
}
