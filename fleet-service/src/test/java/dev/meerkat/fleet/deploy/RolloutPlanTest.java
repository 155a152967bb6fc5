package dev.meerkat.fleet.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.fleet.refusal.Refusal;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RolloutPlanTest {

    static RolloutPlan phases(RolloutPlan.Phase... p) {
        return new RolloutPlan(List.of(p), null, null, null, null, null, null, null).validated();
    }

    @Test
    void percentagesRoundUpAndTheLastPhaseTakesTheRest() {
        RolloutPlan p =
                phases(
                        new RolloutPlan.Phase(10.0, null, null, null),
                        new RolloutPlan.Phase(30.0, null, null, null),
                        new RolloutPlan.Phase(null, null, null, null));
        assertThat(p.phaseSizes(25)).containsExactly(3, 8, 14);
        assertThat(p.phaseSizes(3)).containsExactly(1, 1, 1);
    }

    @Test
    void countsAreTakenAsGiven() {
        RolloutPlan p =
                phases(
                        new RolloutPlan.Phase(null, 2, null, null),
                        new RolloutPlan.Phase(null, 5, null, null),
                        new RolloutPlan.Phase(null, null, null, null));
        assertThat(p.phaseSizes(10)).containsExactly(2, 5, 3);
    }

    @Test
    void aPhaseWithNoDeviceIsRefused() {
        RolloutPlan p =
                phases(
                        new RolloutPlan.Phase(null, 5, null, null),
                        new RolloutPlan.Phase(null, null, null, null));
        assertThatThrownBy(() -> p.phaseSizes(5))
                .isInstanceOf(Refusal.class)
                .hasMessageContaining("phase 2 of 2");
    }

    @Test
    void aPhaseNeedsExactlyOneSize() {
        assertThatThrownBy(
                        () ->
                                phases(
                                        new RolloutPlan.Phase(10.0, 3, null, null),
                                        new RolloutPlan.Phase(null, null, null, null)))
                .hasMessageContaining("exactly one of percent or count");
    }

    @Test
    void exponentialRateGrowsWithSuccessesUpToTheCap() {
        RolloutPlan p =
                new RolloutPlan(
                                null,
                                new RolloutPlan.ExponentialRate(10, 2.0, 5),
                                50,
                                null,
                                null,
                                null,
                                null,
                                null)
                        .validated();
        assertThat(p.ratePerMinute(0)).isEqualTo(10);
        assertThat(p.ratePerMinute(4)).isEqualTo(10);
        assertThat(p.ratePerMinute(5)).isEqualTo(20);
        assertThat(p.ratePerMinute(10)).isEqualTo(40);
        assertThat(p.ratePerMinute(15)).isEqualTo(50);
        assertThat(phases(new RolloutPlan.Phase(null, null, null, null)).ratePerMinute(0))
                .isEqualTo(-1);
    }

    @Test
    void retryBacksOffExponentiallyAndStopsAtItsBudget() {
        RolloutPlan.RetryPolicy r = new RolloutPlan.RetryPolicy(FailureType.FAILED, 2, 10, 25);
        assertThat(r.applies(ExecutionEvent.FAIL, 0)).isTrue();
        assertThat(r.applies(ExecutionEvent.FAIL, 2)).isFalse();
        assertThat(r.applies(ExecutionEvent.TIME_OUT, 0)).isFalse();
        assertThat(r.backoff(1)).isEqualTo(Duration.ofSeconds(10));
        assertThat(r.backoff(2)).isEqualTo(Duration.ofSeconds(20));
        assertThat(r.backoff(3)).isEqualTo(Duration.ofSeconds(25));
    }

    @Test
    void maintenanceWindowsMayCrossMidnight() {
        RolloutPlan.MaintenanceWindow w =
                new RolloutPlan.MaintenanceWindow("23:00", 120, Set.of(DayOfWeek.MONDAY));
        // 2026-11-30 is a Monday.
        assertThat(w.contains(Instant.parse("2026-11-30T23:30:00Z"))).isTrue();
        assertThat(w.contains(Instant.parse("2026-12-01T00:59:00Z"))).isTrue();
        assertThat(w.contains(Instant.parse("2026-12-01T01:00:00Z"))).isFalse();
        assertThat(w.contains(Instant.parse("2026-12-01T23:30:00Z"))).isFalse();
    }

    @Test
    void abortNeedsTheMinimumExecutedAndTheThreshold() {
        RolloutPlan p =
                new RolloutPlan(
                                null,
                                null,
                                null,
                                null,
                                List.of(new RolloutPlan.AbortCriterion(FailureType.FAILED, 50, 2)),
                                null,
                                null,
                                null)
                        .validated();
        assertThat(RolloutEngine.abortReason(p, Map.of(0, Map.of(ExecutionState.FAILED, 1))))
                .isEmpty();
        assertThat(
                        RolloutEngine.abortReason(
                                p,
                                Map.of(
                                        0,
                                        Map.of(
                                                ExecutionState.FAILED,
                                                1,
                                                ExecutionState.SUCCEEDED,
                                                2))))
                .isEmpty();
        assertThat(
                        RolloutEngine.abortReason(
                                p,
                                Map.of(
                                        0,
                                        Map.of(
                                                ExecutionState.FAILED,
                                                1,
                                                ExecutionState.SUCCEEDED,
                                                1))))
                .hasValueSatisfying(r -> assertThat(r).contains("1 of 2 executed devices failed"));
        // Rejections are not failures of type FAILED; queued and canceled executions did not
        // execute.
        assertThat(
                        RolloutEngine.abortReason(
                                p,
                                Map.of(
                                        0,
                                        Map.of(
                                                ExecutionState.REJECTED,
                                                5,
                                                ExecutionState.SUCCEEDED,
                                                1,
                                                ExecutionState.QUEUED,
                                                9,
                                                ExecutionState.CANCELED,
                                                3))))
                .isEmpty();
        RolloutPlan all =
                new RolloutPlan(
                                null,
                                null,
                                null,
                                null,
                                List.of(new RolloutPlan.AbortCriterion(FailureType.ALL, 50, 2)),
                                null,
                                null,
                                null)
                        .validated();
        assertThat(
                        RolloutEngine.abortReason(
                                all,
                                Map.of(
                                        0,
                                        Map.of(ExecutionState.REJECTED, 1),
                                        1,
                                        Map.of(ExecutionState.TIMED_OUT, 1))))
                .isPresent();
    }

    @Test
    void deploymentCommandsFollowTheirTable() {
        assertThat(DeploymentCommand.PAUSE.apply(DeploymentState.RUNNING))
                .contains(DeploymentState.PAUSED);
        assertThat(DeploymentCommand.RESUME.apply(DeploymentState.RUNNING)).isEmpty();
        assertThat(DeploymentCommand.NEXT_PHASE.apply(DeploymentState.WAITING))
                .contains(DeploymentState.RUNNING);
        for (DeploymentCommand c : DeploymentCommand.values()) {
            assertThat(c.apply(DeploymentState.ABORTED)).isEmpty();
            assertThat(c.apply(DeploymentState.COMPLETED)).isEmpty();
        }
    }
}
