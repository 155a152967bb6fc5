package dev.meerkat.fleet.deploy;

import static dev.meerkat.fleet.deploy.ExecutionEvent.CANCEL;
import static dev.meerkat.fleet.deploy.ExecutionEvent.FAIL;
import static dev.meerkat.fleet.deploy.ExecutionEvent.REJECT;
import static dev.meerkat.fleet.deploy.ExecutionEvent.REMOVE;
import static dev.meerkat.fleet.deploy.ExecutionEvent.RETRY;
import static dev.meerkat.fleet.deploy.ExecutionEvent.START;
import static dev.meerkat.fleet.deploy.ExecutionEvent.SUCCEED;
import static dev.meerkat.fleet.deploy.ExecutionEvent.TIME_OUT;
import static dev.meerkat.fleet.deploy.ExecutionState.CANCELED;
import static dev.meerkat.fleet.deploy.ExecutionState.FAILED;
import static dev.meerkat.fleet.deploy.ExecutionState.IN_PROGRESS;
import static dev.meerkat.fleet.deploy.ExecutionState.QUEUED;
import static dev.meerkat.fleet.deploy.ExecutionState.REJECTED;
import static dev.meerkat.fleet.deploy.ExecutionState.REMOVED;
import static dev.meerkat.fleet.deploy.ExecutionState.SUCCEEDED;
import static dev.meerkat.fleet.deploy.ExecutionState.TIMED_OUT;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The execution state machine as one table: (state, event) → next state. Anything not in the table
 * is refused; final states have no rows, so nothing leaves them.
 */
public final class ExecutionTransitions {

    record Row(ExecutionState from, ExecutionEvent on, ExecutionState to) {}

    static final List<Row> TABLE =
            List.of(
                    new Row(QUEUED, START, IN_PROGRESS),
                    new Row(
                            QUEUED, SUCCEED,
                            SUCCEEDED), // already running the release (e.g. it was installed by
                    // hand)
                    new Row(QUEUED, FAIL, FAILED),
                    new Row(QUEUED, REJECT, REJECTED),
                    new Row(QUEUED, CANCEL, CANCELED),
                    new Row(QUEUED, REMOVE, REMOVED),
                    new Row(IN_PROGRESS, START, IN_PROGRESS), // progress report
                    new Row(IN_PROGRESS, SUCCEED, SUCCEEDED),
                    new Row(IN_PROGRESS, FAIL, FAILED),
                    new Row(IN_PROGRESS, REJECT, REJECTED),
                    new Row(IN_PROGRESS, TIME_OUT, TIMED_OUT),
                    new Row(IN_PROGRESS, RETRY, QUEUED));

    private static final Map<ExecutionState, Map<ExecutionEvent, ExecutionState>> NEXT = index();

    private ExecutionTransitions() {}

    /**
     * The state {@code event} leads to from {@code from}, or empty when the table has no such move.
     */
    public static Optional<ExecutionState> next(ExecutionState from, ExecutionEvent event) {
        return Optional.ofNullable(NEXT.getOrDefault(from, Map.of()).get(event));
    }

    private static Map<ExecutionState, Map<ExecutionEvent, ExecutionState>> index() {
        Map<ExecutionState, Map<ExecutionEvent, ExecutionState>> m =
                new EnumMap<>(ExecutionState.class);
        for (Row r : TABLE) {
            if (m.computeIfAbsent(r.from(), k -> new EnumMap<>(ExecutionEvent.class))
                            .put(r.on(), r.to())
                    != null) {
                throw new IllegalStateException("two rows for " + r.from() + " on " + r.on());
            }
        }
        return m;
    }
}
