package dev.meerkat.fleet.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.cloud.aws.control.CreateJobRequest;
import dev.meerkat.cloud.aws.control.JobConfigs;
import dev.meerkat.fleet.deploy.FailureType;
import dev.meerkat.fleet.deploy.RolloutPlan;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A job's configurations become the rollout plan the fleet engine enforces, or are refused. */
class JobPlansTest {

    private static CreateJobRequest job(
            JobConfigs.JobExecutionsRolloutConfig rollout,
            JobConfigs.AbortConfig abort,
            JobConfigs.TimeoutConfig timeout,
            JobConfigs.JobExecutionsRetryConfig retry) {
        return new CreateJobRequest(
                List.of("arn:aws:iot:us-east-1:000000000000:thing/t"),
                null,
                "{}",
                null,
                null,
                null,
                rollout,
                abort,
                timeout,
                retry,
                null,
                null);
    }

    @Test
    void everyConfigMapsToThePlan() {
        RolloutPlan plan =
                JobPlans.of(
                        job(
                                new JobConfigs.JobExecutionsRolloutConfig(
                                        50,
                                        new JobConfigs.ExponentialRate(
                                                5,
                                                2.0,
                                                new JobConfigs.RateIncreaseCriteria(null, 3))),
                                new JobConfigs.AbortConfig(
                                        List.of(
                                                new JobConfigs.AbortCriteria(
                                                        "TIMED_OUT", "CANCEL", 20.0, 4))),
                                new JobConfigs.TimeoutConfig(15L),
                                new JobConfigs.JobExecutionsRetryConfig(
                                        List.of(
                                                new JobConfigs.RetryCriteria("FAILED", 2),
                                                new JobConfigs.RetryCriteria("TIMED_OUT", 2)))));
        assertThat(plan.exponentialRate()).isEqualTo(new RolloutPlan.ExponentialRate(5, 2.0, 3));
        assertThat(plan.maximumPerMinute()).isEqualTo(50);
        // 5 a minute, doubled after every 3 successes, capped by maximumPerMinute
        assertThat(plan.ratePerMinute(0)).isEqualTo(5.0);
        assertThat(plan.ratePerMinute(3)).isEqualTo(10.0);
        assertThat(plan.ratePerMinute(30)).isEqualTo(50.0);
        assertThat(plan.abortCriteria())
                .containsExactly(new RolloutPlan.AbortCriterion(FailureType.TIMED_OUT, 20.0, 4));
        assertThat(plan.inProgressTimeoutSeconds()).isEqualTo(900);
        assertThat(plan.retry()).isEqualTo(new RolloutPlan.RetryPolicy(FailureType.ALL, 2, 0, 0));
        assertThat(plan.phaseCount()).isEqualTo(1);
    }

    @Test
    void whatTheEngineCannotEnforceIsRefused() {
        assertThatThrownBy(
                        () ->
                                JobPlans.of(
                                        job(
                                                new JobConfigs.JobExecutionsRolloutConfig(
                                                        null,
                                                        new JobConfigs.ExponentialRate(
                                                                5,
                                                                2.0,
                                                                new JobConfigs.RateIncreaseCriteria(
                                                                        10, null))),
                                                null,
                                                null,
                                                null)))
                .isInstanceOf(IotException.class)
                .hasMessageContaining("numberOfNotifiedThings");
        assertThatThrownBy(
                        () ->
                                JobPlans.of(
                                        job(
                                                null,
                                                null,
                                                null,
                                                new JobConfigs.JobExecutionsRetryConfig(
                                                        List.of(
                                                                new JobConfigs.RetryCriteria(
                                                                        "FAILED", 1),
                                                                new JobConfigs.RetryCriteria(
                                                                        "TIMED_OUT", 3))))))
                .isInstanceOf(IotException.class)
                .hasMessageContaining("different numberOfRetries");
        assertThatThrownBy(
                        () ->
                                JobPlans.of(
                                        job(
                                                null,
                                                new JobConfigs.AbortConfig(
                                                        List.of(
                                                                new JobConfigs.AbortCriteria(
                                                                        "ALL", "CANCEL", 0.0, 1))),
                                                null,
                                                null)))
                .isInstanceOf(IotException.class)
                .hasMessageContaining("thresholdPercentage");
    }

    @Test
    void longJobIdsGetABoundedGroupName() {
        assertThat(AwsJobService.groupOf("ota-1")).isEqualTo("job.ota-1");
        String id = "x".repeat(64);
        assertThat(AwsJobService.groupOf(id)).hasSizeLessThanOrEqualTo(64).startsWith("job.xxx");
        assertThat(AwsJobService.groupOf(id))
                .isNotEqualTo(AwsJobService.groupOf("x".repeat(63) + "y"));
    }
}
