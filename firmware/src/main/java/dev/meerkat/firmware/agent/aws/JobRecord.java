package dev.meerkat.firmware.agent.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.json.Json;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The job the agent works on, kept in {@value #FILE} so that a reset or power cut mid-job neither
 * loses the job nor reports it twice: the job id, the last {@code versionNumber} the service
 * acknowledged, the stage, the signature the downloaded file must match, and the final report still
 * to be delivered.
 */
public record JobRecord(
        String jobId,
        long versionNumber,
        Stage stage,
        byte[] signature,
        Optional<JobReport> finalReport) {

    public static final String FILE = "aws-job.json";

    /** Where the job stands on the device. */
    public enum Stage {
        /** The image is being downloaded (OtaUpdate resumes it after a reset). */
        DOWNLOADING,
        /** The image is installed; its test boot decides. */
        TESTING,
        /** The outcome is known; {@link #finalReport()} waits for the service's acceptance. */
        REPORTING
    }

    public JobRecord {
        Objects.requireNonNull(jobId);
        Objects.requireNonNull(stage);
        signature = signature.clone();
        Objects.requireNonNull(finalReport);
        if ((stage == Stage.REPORTING) != finalReport.isPresent()) {
            throw new IllegalArgumentException("a final report belongs to the REPORTING stage");
        }
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    public static JobRecord downloading(String jobId, long versionNumber, byte[] signature) {
        return new JobRecord(jobId, versionNumber, Stage.DOWNLOADING, signature, Optional.empty());
    }

    public JobRecord withVersion(long v) {
        return new JobRecord(jobId, v, stage, signature, finalReport);
    }

    public JobRecord testing() {
        return new JobRecord(jobId, versionNumber, Stage.TESTING, signature, Optional.empty());
    }

    public JobRecord reporting(JobReport report) {
        if (!report.terminal()) {
            throw new IllegalArgumentException("a final report is SUCCEEDED or FAILED");
        }
        return new JobRecord(jobId, versionNumber, Stage.REPORTING, signature, Optional.of(report));
    }

    public byte[] toJson() {
        ObjectNode n = Json.object();
        n.put("job_id", jobId);
        n.put("version", versionNumber);
        n.put("stage", stage.name());
        n.put("signature", Base64.getEncoder().encodeToString(signature));
        finalReport.ifPresent(
                r -> {
                    ObjectNode m = n.putObject("report");
                    r.toMap().forEach(m::put);
                });
        return Json.bytes(n);
    }

    /**
     * @throws IllegalArgumentException when the file is not a record
     */
    public static JobRecord fromJson(byte[] json) {
        JsonNode n = Json.parse(json);
        if (!n.path("job_id").isTextual() || !n.path("version").canConvertToLong()) {
            throw new IllegalArgumentException(FILE + " is not a job record");
        }
        Optional<JobReport> report = Optional.empty();
        if (n.has("report")) {
            Map<String, String> m = new LinkedHashMap<>();
            n.get("report")
                    .fields()
                    .forEachRemaining(f -> m.put(f.getKey(), f.getValue().asText()));
            report =
                    Optional.of(
                            JobReport.fromMap(m)
                                    .orElseThrow(
                                            () ->
                                                    new IllegalArgumentException(
                                                            FILE + " holds a malformed report")));
        }
        return new JobRecord(
                n.get("job_id").asText(),
                n.get("version").asLong(),
                Stage.valueOf(n.path("stage").asText()),
                Base64.getDecoder().decode(n.path("signature").asText()),
                report);
    }
}
