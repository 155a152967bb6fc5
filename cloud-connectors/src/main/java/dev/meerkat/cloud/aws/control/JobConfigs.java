package dev.meerkat.cloud.aws.control;

import java.util.List;

/**
 * The rollout, abort, timeout, retry and presigned-URL configurations of a job (CreateJob,
 * DescribeJob).
 */
public final class JobConfigs {

    private JobConfigs() {}

    public record PresignedUrlConfig(String roleArn, Long expiresInSec) {}

    public record RateIncreaseCriteria(
            Integer numberOfNotifiedThings, Integer numberOfSucceededThings) {}

    public record ExponentialRate(
            Integer baseRatePerMinute,
            Double incrementFactor,
            RateIncreaseCriteria rateIncreaseCriteria) {}

    public record JobExecutionsRolloutConfig(
            Integer maximumPerMinute, ExponentialRate exponentialRate) {}

    /** failureType FAILED|REJECTED|TIMED_OUT|ALL, action CANCEL. */
    public record AbortCriteria(
            String failureType,
            String action,
            Double thresholdPercentage,
            Integer minNumberOfExecutedThings) {}

    public record AbortConfig(List<AbortCriteria> criteriaList) {
        public AbortConfig {
            criteriaList = criteriaList == null ? null : List.copyOf(criteriaList);
        }
    }

    public record TimeoutConfig(Long inProgressTimeoutInMinutes) {}

    /** failureType FAILED|TIMED_OUT|ALL. */
    public record RetryCriteria(String failureType, Integer numberOfRetries) {}

    public record JobExecutionsRetryConfig(List<RetryCriteria> criteriaList) {
        public JobExecutionsRetryConfig {
            criteriaList = criteriaList == null ? null : List.copyOf(criteriaList);
        }
    }

    public record Tag(
            @com.fasterxml.jackson.annotation.JsonProperty("Key") String key,
            @com.fasterxml.jackson.annotation.JsonProperty("Value") String value) {}
}
