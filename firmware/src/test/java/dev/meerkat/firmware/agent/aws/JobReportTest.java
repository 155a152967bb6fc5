package dev.meerkat.firmware.agent.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.boot.RollbackReason;
import dev.meerkat.cloud.aws.jobs.JobExecutionStatus;
import dev.meerkat.cloud.aws.jobs.JobsJson;
import dev.meerkat.cloud.aws.jobs.JobsLimits;
import dev.meerkat.firmware.ota.OtaResult;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JobReportTest {

    @Test
    void progressIsInProgressWithItsFiguresAsStatusDetails() throws Exception {
        JobReport r = JobReport.progress(40, 16384, 40960);
        assertThat(r.terminal()).isFalse();
        JsonNode wire = JobsJson.mapper().readTree(JobsJson.write(r.request(3, "t-1")));
        assertThat(wire.path("status").asText()).isEqualTo("IN_PROGRESS");
        assertThat(wire.path("expectedVersion").asLong()).isEqualTo(3);
        assertThat(wire.path("clientToken").asText()).isEqualTo("t-1");
        assertThat(wire.path("includeJobExecutionState").asBoolean()).isTrue();
        assertThat(wire.path("statusDetails").path("progress").asText()).isEqualTo("40");
        assertThat(wire.path("statusDetails").path("bytes").asText()).isEqualTo("16384");
        assertThat(wire.path("statusDetails").path("total").asText()).isEqualTo("40960");
        // the request passes the service's own limits
        JobsLimits.checkRequest("t-1", r.details(), null);
    }

    @Test
    void aCommittedTestBootSucceeds() {
        JobReport r =
                JobReport.ended(
                        new OtaResult(
                                OtaResult.Outcome.COMMITTED,
                                Optional.empty(),
                                Optional.of("init done"),
                                Optional.of("2.0.0"),
                                "2.0.0"));
        assertThat(r.status()).isEqualTo(JobExecutionStatus.SUCCEEDED);
        assertThat(r.details())
                .containsEntry("version", "2.0.0")
                .doesNotContainKey("rollbackReason");
    }

    @Test
    void aRollbackFailsWithTheBootloadersReason() {
        JobReport r =
                JobReport.ended(
                        new OtaResult(
                                OtaResult.Outcome.ROLLED_BACK,
                                Optional.of(RollbackReason.TEST_BOOT_FAULT),
                                Optional.of("init failed in app\n broken"),
                                Optional.of("2.0.1"),
                                "1.0.0"));
        assertThat(r.status()).isEqualTo(JobExecutionStatus.FAILED);
        assertThat(r.details())
                .containsEntry(JobReport.ROLLBACK_REASON, "TEST_BOOT_FAULT")
                .containsEntry("running", "1.0.0")
                .containsEntry("reason", "init failed in app  broken");
    }

    @Test
    void aRefusedDownloadFailsWithoutARollbackReason() {
        JobReport r =
                JobReport.ended(
                        new OtaResult(
                                OtaResult.Outcome.FAILED,
                                Optional.empty(),
                                Optional.of("sig-sha256-ecdsa does not verify with a trusted key"),
                                Optional.empty(),
                                "1.0.0"));
        assertThat(r.status()).isEqualTo(JobExecutionStatus.FAILED);
        assertThat(r.details())
                .doesNotContainKey(JobReport.ROLLBACK_REASON)
                .containsEntry("reason", "sig-sha256-ecdsa does not verify with a trusted key");
        assertThat(JobReport.refused("x".repeat(5000)).details().get("reason")).hasSize(1024);
    }

    @Test
    void onlyDeviceSettableStatusesAreReports() {
        assertThatThrownBy(() -> new JobReport(JobExecutionStatus.CANCELED, Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theRecordKeepsJobVersionStageAndFinalReportAcrossResets() {
        JobRecord r = JobRecord.downloading("job-1", 2, new byte[] {0x30, 1});
        JobReport done = JobReport.refused("no");
        JobRecord back = JobRecord.fromJson(r.withVersion(5).reporting(done).toJson());
        assertThat(back.jobId()).isEqualTo("job-1");
        assertThat(back.versionNumber()).isEqualTo(5);
        assertThat(back.stage()).isEqualTo(JobRecord.Stage.REPORTING);
        assertThat(back.signature()).containsExactly(0x30, 1);
        assertThat(back.finalReport()).contains(done);
        assertThatThrownBy(() -> r.reporting(JobReport.progress(1, 1, 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JobRecord.fromJson("{}".getBytes()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
