package dev.meerkat.fleet.aws;

import dev.meerkat.cloud.aws.control.CreateJobRequest;
import dev.meerkat.cloud.aws.control.JobConfigs;
import dev.meerkat.fleet.deploy.FailureType;
import dev.meerkat.fleet.deploy.RolloutPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A job's rollout, abort, timeout and retry configurations as the fleet's {@link RolloutPlan}, so
 * the one rollout engine enforces them. What the engine cannot express is refused here with the
 * member it concerns, never stored and silently ignored.
 */
final class JobPlans {

    private JobPlans() {}

    static RolloutPlan of(CreateJobRequest job) {
        RolloutPlan.ExponentialRate rate = null;
        Integer maximumPerMinute = null;
        JobConfigs.JobExecutionsRolloutConfig rollout = job.jobExecutionsRolloutConfig();
        if (rollout != null) {
            maximumPerMinute = rollout.maximumPerMinute();
            JobConfigs.ExponentialRate e = rollout.exponentialRate();
            if (e != null) {
                if (e.rateIncreaseCriteria().numberOfNotifiedThings() != null) {
                    throw IotException.invalid(
                            "exponentialRate.rateIncreaseCriteria.numberOfNotifiedThings is not"
                                    + " supported here; use numberOfSucceededThings");
                }
                rate =
                        new RolloutPlan.ExponentialRate(
                                e.baseRatePerMinute(),
                                e.incrementFactor(),
                                e.rateIncreaseCriteria().numberOfSucceededThings());
            }
        }
        List<RolloutPlan.AbortCriterion> abort = new ArrayList<>();
        if (job.abortConfig() != null) {
            for (JobConfigs.AbortCriteria c : job.abortConfig().criteriaList()) {
                if (c.thresholdPercentage() <= 0) {
                    throw IotException.invalid(
                            "abort thresholdPercentage must be above 0 here (0 would cancel the job"
                                    + " on its first executed thing)");
                }
                abort.add(
                        new RolloutPlan.AbortCriterion(
                                FailureType.valueOf(c.failureType()),
                                c.thresholdPercentage(),
                                c.minNumberOfExecutedThings()));
            }
        }
        Integer timeout = null;
        if (job.timeoutConfig() != null
                && job.timeoutConfig().inProgressTimeoutInMinutes() != null) {
            timeout = Math.toIntExact(job.timeoutConfig().inProgressTimeoutInMinutes() * 60);
        }
        return new RolloutPlan(
                        List.of(),
                        rate,
                        maximumPerMinute,
                        false,
                        abort,
                        timeout,
                        retry(job.jobExecutionsRetryConfig()),
                        List.of())
                .validated();
    }

    /**
     * AWS counts retries per failure type (FAILED, TIMED_OUT, or ALL); the fleet engine has one
     * count for one type. Both types with the same count become ALL; different counts are refused.
     * AWS retries at once, so there is no back-off.
     */
    private static RolloutPlan.RetryPolicy retry(JobConfigs.JobExecutionsRetryConfig config) {
        if (config == null) return null;
        Map<String, Integer> counts = new HashMap<>();
        for (JobConfigs.RetryCriteria c : config.criteriaList()) {
            if (counts.put(c.failureType(), c.numberOfRetries()) != null) {
                throw IotException.invalid(
                        "retry criteriaList names " + c.failureType() + " twice");
            }
        }
        FailureType type;
        int retries;
        if (counts.size() == 1) {
            Map.Entry<String, Integer> only = counts.entrySet().iterator().next();
            type = FailureType.valueOf(only.getKey());
            retries = only.getValue();
        } else if (counts.containsKey("ALL")) {
            throw IotException.invalid(
                    "retry criteriaList: ALL cannot be combined with another type");
        } else if (counts.get("FAILED").equals(counts.get("TIMED_OUT"))) {
            type = FailureType.ALL;
            retries = counts.get("FAILED");
        } else {
            throw IotException.invalid(
                    "retry criteriaList: different numberOfRetries for FAILED and TIMED_OUT are not"
                            + " supported here; give both the same count");
        }
        return new RolloutPlan.RetryPolicy(type, retries, 0, 0);
    }
}
