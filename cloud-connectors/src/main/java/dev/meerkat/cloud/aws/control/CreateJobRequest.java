package dev.meerkat.cloud.aws.control;

import dev.meerkat.cloud.aws.control.JobConfigs.AbortConfig;
import dev.meerkat.cloud.aws.control.JobConfigs.JobExecutionsRetryConfig;
import dev.meerkat.cloud.aws.control.JobConfigs.JobExecutionsRolloutConfig;
import dev.meerkat.cloud.aws.control.JobConfigs.PresignedUrlConfig;
import dev.meerkat.cloud.aws.control.JobConfigs.Tag;
import dev.meerkat.cloud.aws.control.JobConfigs.TimeoutConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Body of CreateJob ({@code PUT /jobs/{jobId}}); {@link #validate()} applies AWS's documented
 * limits.
 */
public record CreateJobRequest(
        List<String> targets,
        String documentSource,
        String document,
        String description,
        PresignedUrlConfig presignedUrlConfig,
        String targetSelection,
        JobExecutionsRolloutConfig jobExecutionsRolloutConfig,
        AbortConfig abortConfig,
        TimeoutConfig timeoutConfig,
        JobExecutionsRetryConfig jobExecutionsRetryConfig,
        List<Tag> tags,
        Map<String, String> documentParameters) {

    public static final int MAX_DOCUMENT = 32768;

    public CreateJobRequest {
        targets = targets == null ? null : List.copyOf(targets);
        tags = tags == null ? null : List.copyOf(tags);
        documentParameters = documentParameters == null ? null : Map.copyOf(documentParameters);
    }

    /** Throws IllegalArgumentException naming the first member outside AWS's limits. */
    public CreateJobRequest validate() {
        check(
                targets != null
                        && !targets.isEmpty()
                        && targets.stream().allMatch(t -> t.startsWith("arn:")),
                "targets must hold at least one thing or thing-group ARN");
        check(
                (document == null) != (documentSource == null),
                "exactly one of document and documentSource is required");
        check(
                document == null || document.length() <= MAX_DOCUMENT,
                "document is longer than " + MAX_DOCUMENT);
        check(
                documentSource == null || documentSource.length() <= 1350,
                "documentSource is longer than 1350");
        check(
                targetSelection == null
                        || Set.of("SNAPSHOT", "CONTINUOUS").contains(targetSelection),
                "targetSelection must be SNAPSHOT or CONTINUOUS");
        if (presignedUrlConfig != null && presignedUrlConfig.expiresInSec() != null) {
            long e = presignedUrlConfig.expiresInSec();
            check(e >= 60 && e <= 3600, "presignedUrlConfig.expiresInSec must be 60..3600");
        }
        if (jobExecutionsRolloutConfig != null) {
            Integer max = jobExecutionsRolloutConfig.maximumPerMinute();
            check(
                    max == null || max >= 1,
                    "jobExecutionsRolloutConfig.maximumPerMinute must be >= 1");
            JobConfigs.ExponentialRate r = jobExecutionsRolloutConfig.exponentialRate();
            if (r != null) {
                check(
                        r.baseRatePerMinute() != null
                                && r.baseRatePerMinute() >= 1
                                && r.baseRatePerMinute() <= 1000,
                        "exponentialRate.baseRatePerMinute must be 1..1000");
                check(
                        r.incrementFactor() != null
                                && r.incrementFactor() >= 1.1
                                && r.incrementFactor() <= 5,
                        "exponentialRate.incrementFactor must be 1.1..5");
                JobConfigs.RateIncreaseCriteria c = r.rateIncreaseCriteria();
                check(
                        c != null
                                && ((c.numberOfNotifiedThings() == null)
                                        != (c.numberOfSucceededThings() == null))
                                && (c.numberOfNotifiedThings() == null
                                        || c.numberOfNotifiedThings() >= 1)
                                && (c.numberOfSucceededThings() == null
                                        || c.numberOfSucceededThings() >= 1),
                        "exponentialRate.rateIncreaseCriteria needs one of numberOfNotifiedThings / "
                                + "numberOfSucceededThings >= 1");
            }
        }
        if (abortConfig != null) {
            check(
                    abortConfig.criteriaList() != null && !abortConfig.criteriaList().isEmpty(),
                    "abortConfig.criteriaList must not be empty");
            for (JobConfigs.AbortCriteria c : abortConfig.criteriaList()) {
                check(
                        Set.of("FAILED", "REJECTED", "TIMED_OUT", "ALL").contains(c.failureType()),
                        "abort failureType must be FAILED, REJECTED, TIMED_OUT or ALL");
                check("CANCEL".equals(c.action()), "abort action must be CANCEL");
                check(
                        c.thresholdPercentage() != null
                                && c.thresholdPercentage() >= 0
                                && c.thresholdPercentage() <= 100,
                        "abort thresholdPercentage must be 0..100");
                check(
                        c.minNumberOfExecutedThings() != null && c.minNumberOfExecutedThings() >= 1,
                        "abort minNumberOfExecutedThings must be >= 1");
            }
        }
        if (timeoutConfig != null && timeoutConfig.inProgressTimeoutInMinutes() != null) {
            long t = timeoutConfig.inProgressTimeoutInMinutes();
            check(
                    t >= 1 && t <= 10080,
                    "timeoutConfig.inProgressTimeoutInMinutes must be 1..10080");
        }
        if (jobExecutionsRetryConfig != null) {
            List<JobConfigs.RetryCriteria> list = jobExecutionsRetryConfig.criteriaList();
            check(
                    list != null && !list.isEmpty() && list.size() <= 2,
                    "retry criteriaList must have 1..2 entries");
            for (JobConfigs.RetryCriteria c : list) {
                check(
                        Set.of("FAILED", "TIMED_OUT", "ALL").contains(c.failureType()),
                        "retry failureType must be FAILED, TIMED_OUT or ALL");
                check(
                        c.numberOfRetries() != null
                                && c.numberOfRetries() >= 0
                                && c.numberOfRetries() <= 10,
                        "retry numberOfRetries must be 0..10");
            }
        }
        return this;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
