package dev.meerkat.fleet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class ExecutionTransitionsTest {

    @Test
    void finalStatesAcceptNoEvent() {
        for (ExecutionState s : ExecutionState.values()) {
            if (!s.isFinal()) continue;
            for (ExecutionEvent e : ExecutionEvent.values()) {
                assertThat(ExecutionTransitions.next(s, e)).as(s + " on " + e).isEmpty();
            }
        }
    }

    @Test
    void queuedGoesOnlyWhereTheTableSays() {
        assertThat(ExecutionTransitions.next(ExecutionState.QUEUED, ExecutionEvent.START))
                .contains(ExecutionState.IN_PROGRESS);
        assertThat(ExecutionTransitions.next(ExecutionState.QUEUED, ExecutionEvent.CANCEL))
                .contains(ExecutionState.CANCELED);
        assertThat(ExecutionTransitions.next(ExecutionState.QUEUED, ExecutionEvent.REMOVE))
                .contains(ExecutionState.REMOVED);
        assertThat(ExecutionTransitions.next(ExecutionState.QUEUED, ExecutionEvent.TIME_OUT))
                .isEmpty();
        assertThat(ExecutionTransitions.next(ExecutionState.QUEUED, ExecutionEvent.RETRY))
                .isEmpty();
    }

    @Test
    void inProgressEndsInAnOutcomeOrGoesBackToTheQueueOnRetry() {
        assertThat(ExecutionTransitions.next(ExecutionState.IN_PROGRESS, ExecutionEvent.SUCCEED))
                .contains(ExecutionState.SUCCEEDED);
        assertThat(ExecutionTransitions.next(ExecutionState.IN_PROGRESS, ExecutionEvent.FAIL))
                .contains(ExecutionState.FAILED);
        assertThat(ExecutionTransitions.next(ExecutionState.IN_PROGRESS, ExecutionEvent.REJECT))
                .contains(ExecutionState.REJECTED);
        assertThat(ExecutionTransitions.next(ExecutionState.IN_PROGRESS, ExecutionEvent.TIME_OUT))
                .contains(ExecutionState.TIMED_OUT);
        assertThat(ExecutionTransitions.next(ExecutionState.IN_PROGRESS, ExecutionEvent.RETRY))
                .contains(ExecutionState.QUEUED);
        // Work a device already began is not canceled under it: it reports how it ended.
        assertThat(ExecutionTransitions.next(ExecutionState.IN_PROGRESS, ExecutionEvent.CANCEL))
                .isEmpty();
    }

    @Test
    void everyStateIsReachableFromQueued() {
        EnumSet<ExecutionState> seen = EnumSet.of(ExecutionState.QUEUED);
        boolean grew = true;
        while (grew) {
            grew = false;
            for (ExecutionTransitions.Row r : ExecutionTransitions.TABLE) {
                if (seen.contains(r.from()) && seen.add(r.to())) grew = true;
            }
        }
        assertThat(seen).containsExactlyInAnyOrder(ExecutionState.values());
    }

    @Test
    void servicePlaysOnlyServiceEvents() {
        assertThat(ExecutionEvent.START.byDevice()).isTrue();
        assertThat(ExecutionEvent.TIME_OUT.byDevice()).isFalse();
        assertThat(ExecutionEvent.CANCEL.byDevice()).isFalse();
    }
}
