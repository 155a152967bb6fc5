package dev.meerkat.cloud.aws.jobs;

import static dev.meerkat.cloud.aws.jobs.JobExecutionStatus.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ExecutionUpdatesTest {

    private static JobExecution at(JobExecutionStatus status, long version) {
        return new JobExecution(
                "ota-1", "dev1", null, status, Map.of("a", "1"), 10L, null, 10L, null, version, 1L);
    }

    private static UpdateJobExecutionRequest update(JobExecutionStatus status, Long expected) {
        return new UpdateJobExecutionRequest(status, null, expected, null, null, null, null, null);
    }

    private static RejectedErrorCode refusal(
            JobExecution current, UpdateJobExecutionRequest request) {
        try {
            ExecutionUpdates.update(current, request, 20);
        } catch (JobsProtocolException e) {
            return e.code();
        }
        return null;
    }

    @Test
    void theTableMatchesTheAwsLifecycle() {
        assertThat(
                        EnumSet.allOf(JobExecutionStatus.class).stream()
                                .filter(JobExecutionStatus::terminal))
                .containsExactlyInAnyOrder(
                        SUCCEEDED, FAILED, TIMED_OUT, REJECTED, REMOVED, CANCELED);
        assertThat(
                        EnumSet.allOf(JobExecutionStatus.class).stream()
                                .filter(JobExecutionStatus::settableByDevice))
                .containsExactlyInAnyOrder(IN_PROGRESS, SUCCEEDED, FAILED, REJECTED);
        assertThat(
                        ExecutionTransitions.allowed(
                                ExecutionTransitions.Actor.SERVICE, QUEUED, IN_PROGRESS))
                .isTrue();
        assertThat(
                        ExecutionTransitions.allowed(
                                ExecutionTransitions.Actor.SERVICE, IN_PROGRESS, TIMED_OUT))
                .isTrue();
        assertThat(
                        ExecutionTransitions.allowed(
                                ExecutionTransitions.Actor.DEVICE, QUEUED, TIMED_OUT))
                .isFalse();
        assertThat(
                        ExecutionTransitions.allowed(
                                ExecutionTransitions.Actor.SERVICE, SUCCEEDED, CANCELED))
                .isFalse();
    }

    @Test
    void aProgressReportKeepsStatusBumpsVersionAndReplacesDetails() {
        JobExecution next =
                ExecutionUpdates.update(
                        at(IN_PROGRESS, 2),
                        new UpdateJobExecutionRequest(
                                IN_PROGRESS,
                                Map.of("progress", "40"),
                                2L,
                                null,
                                null,
                                null,
                                3L,
                                null),
                        20);
        assertThat(next.versionNumber()).isEqualTo(3);
        assertThat(next.statusDetails()).containsExactly(Map.entry("progress", "40"));
        assertThat(next.startedAt()).isEqualTo(20);
        assertThat(next.approximateSecondsBeforeTimedOut()).isEqualTo(180);
        JobExecution done = ExecutionUpdates.update(next, update(SUCCEEDED, null), 30);
        assertThat(done.statusDetails()).containsExactly(Map.entry("progress", "40"));
        assertThat(done.approximateSecondsBeforeTimedOut()).isNull();
        assertThat(done.startedAt()).isEqualTo(20);
    }

    @ParameterizedTest
    @EnumSource(
            value = JobExecutionStatus.class,
            names = {"SUCCEEDED", "FAILED", "TIMED_OUT", "REJECTED", "REMOVED", "CANCELED"})
    void terminalExecutionsRefuseEveryUpdate(JobExecutionStatus terminal) {
        assertThat(refusal(at(terminal, 5), update(IN_PROGRESS, 5L)))
                .isEqualTo(RejectedErrorCode.TerminalStateReached);
    }

    @Test
    void refusalsCarryAwsCodes() {
        assertThat(refusal(at(IN_PROGRESS, 3), update(SUCCEEDED, 2L)))
                .isEqualTo(RejectedErrorCode.VersionMismatch);
        assertThat(refusal(at(IN_PROGRESS, 3), update(QUEUED, null)))
                .isEqualTo(RejectedErrorCode.InvalidRequest);
        assertThat(refusal(at(IN_PROGRESS, 3), update(TIMED_OUT, null)))
                .isEqualTo(RejectedErrorCode.InvalidRequest);
        assertThat(refusal(at(IN_PROGRESS, 3), update(null, null)))
                .isEqualTo(RejectedErrorCode.InvalidRequest);
        assertThat(
                        refusal(
                                at(IN_PROGRESS, 3),
                                new UpdateJobExecutionRequest(
                                        SUCCEEDED, null, null, 2L, null, null, null, null)))
                .isEqualTo(RejectedErrorCode.ResourceNotFound);
        assertThat(
                        refusal(
                                at(IN_PROGRESS, 3),
                                new UpdateJobExecutionRequest(
                                        SUCCEEDED,
                                        Map.of("bad key", "x"),
                                        null,
                                        null,
                                        null,
                                        null,
                                        null,
                                        null)))
                .isEqualTo(RejectedErrorCode.InvalidRequest);
        assertThat(
                        refusal(
                                at(IN_PROGRESS, 3),
                                new UpdateJobExecutionRequest(
                                        SUCCEEDED,
                                        Map.of("k", "x".repeat(1025)),
                                        null,
                                        null,
                                        null,
                                        null,
                                        null,
                                        null)))
                .isEqualTo(RejectedErrorCode.InvalidRequest);
        JobExecutionState state =
                assertThatThrownBy(
                                                () ->
                                                        ExecutionUpdates.update(
                                                                at(IN_PROGRESS, 3),
                                                                update(SUCCEEDED, 1L),
                                                                20))
                                        .isInstanceOf(JobsProtocolException.class)
                                        .actual()
                                instanceof JobsProtocolException e
                        ? e.executionState()
                        : null;
        assertThat(state).isEqualTo(new JobExecutionState(IN_PROGRESS, Map.of("a", "1"), 3L));
    }

    @Test
    void startNextStartsQueuedAndLeavesInProgressAlone() {
        StartNextPendingJobExecutionRequest req =
                new StartNextPendingJobExecutionRequest(Map.of("s", "1"), 5L, null);
        JobExecution started = ExecutionUpdates.startNext(at(QUEUED, 1), req, 20);
        assertThat(started.status()).isEqualTo(IN_PROGRESS);
        assertThat(started.versionNumber()).isEqualTo(2);
        assertThat(started.approximateSecondsBeforeTimedOut()).isEqualTo(300);
        assertThat(ExecutionUpdates.startNext(started, req, 30)).isSameAs(started);
    }
}
