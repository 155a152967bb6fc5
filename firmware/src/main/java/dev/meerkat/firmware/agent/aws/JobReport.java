package dev.meerkat.firmware.agent.aws;

import dev.meerkat.cloud.aws.jobs.JobExecutionStatus;
import dev.meerkat.cloud.aws.jobs.JobsLimits;
import dev.meerkat.cloud.aws.jobs.UpdateJobExecutionRequest;
import dev.meerkat.firmware.ota.OtaResult;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A status the agent reports for its job execution, with its {@code statusDetails}: progress while
 * downloading, {@code SUCCEEDED} once the test boot committed, {@code FAILED} with the reason (and
 * the bootloader's {@code rollbackReason} when it reverted the image).
 */
public record JobReport(JobExecutionStatus status, Map<String, String> details) {

    /** The statusDetails key fleet-service stores as the execution's rollback reason. */
    public static final String ROLLBACK_REASON = "rollbackReason";

    public JobReport {
        Objects.requireNonNull(status);
        if (!status.settableByDevice()) {
            throw new IllegalArgumentException(status + " cannot be reported by a device");
        }
        Map<String, String> bounded = new LinkedHashMap<>();
        details.forEach((k, v) -> bounded.put(k, bounded(v)));
        details = Map.copyOf(bounded);
    }

    /** Taken the job; nothing downloaded yet. */
    public static JobReport accepted() {
        return new JobReport(
                JobExecutionStatus.IN_PROGRESS, Map.of("step", "downloading", "progress", "0"));
    }

    /** Download progress. */
    public static JobReport progress(int percent, long bytes, long total) {
        return new JobReport(
                JobExecutionStatus.IN_PROGRESS,
                Map.of(
                        "step", "downloading",
                        "progress", Integer.toString(percent),
                        "bytes", Long.toString(bytes),
                        "total", Long.toString(total)));
    }

    /** The image is installed; the device reboots into its test boot. */
    public static JobReport installed(String version) {
        return new JobReport(
                JobExecutionStatus.IN_PROGRESS,
                Map.of("step", "testing", "progress", "100", "version", version));
    }

    /** The job document or its file was refused before anything was installed. */
    public static JobReport refused(String reason) {
        return new JobReport(JobExecutionStatus.FAILED, Map.of("reason", reason));
    }

    /** The final report for how the update ended. */
    public static JobReport ended(OtaResult r) {
        Map<String, String> d = new LinkedHashMap<>();
        r.version().ifPresent(v -> d.put("version", v));
        d.put("running", r.running());
        if (r.outcome() == OtaResult.Outcome.COMMITTED) {
            return new JobReport(JobExecutionStatus.SUCCEEDED, d);
        }
        r.reason().ifPresent(x -> d.put(ROLLBACK_REASON, x.name()));
        if (r.outcome() == OtaResult.Outcome.ROLLED_BACK) {
            d.putIfAbsent(ROLLBACK_REASON, "UNKNOWN");
        }
        d.put("reason", r.detail().orElse(r.outcome().name().toLowerCase(java.util.Locale.ROOT)));
        return new JobReport(JobExecutionStatus.FAILED, d);
    }

    public boolean terminal() {
        return status.terminal();
    }

    /** The UpdateJobExecution request for the execution's current {@code versionNumber}. */
    public UpdateJobExecutionRequest request(long expectedVersion, String clientToken) {
        return new UpdateJobExecutionRequest(
                status, details, expectedVersion, null, true, false, null, clientToken);
    }

    /** Reads a report back from {@link #toMap()}'s form; empty if it is not one. */
    static Optional<JobReport> fromMap(Map<String, String> m) {
        try {
            Map<String, String> d = new LinkedHashMap<>(m);
            JobExecutionStatus s = JobExecutionStatus.valueOf(d.remove("$status"));
            return Optional.of(new JobReport(s, d));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>(details);
        m.put("$status", status.name());
        return m;
    }

    /** AWS limits a detail value to 1024 characters without control characters. */
    private static String bounded(String v) {
        String clean = v.replaceAll("\\p{Cntrl}", " ");
        if (clean.isEmpty()) {
            return "-";
        }
        return clean.length() <= JobsLimits.MAX_DETAIL_VALUE
                ? clean
                : clean.substring(0, JobsLimits.MAX_DETAIL_VALUE);
    }
}
