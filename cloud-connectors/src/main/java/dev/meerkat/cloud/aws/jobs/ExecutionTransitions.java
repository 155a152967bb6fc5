package dev.meerkat.cloud.aws.jobs;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The execution status state machine as a table: which actor may move an execution from which
 * status to which. A device may only report IN_PROGRESS, SUCCEEDED, FAILED or REJECTED; the service
 * alone starts (start-next), times out, cancels and removes. Terminal statuses have no way out.
 */
public final class ExecutionTransitions {

    /** Who asks for a transition. */
    public enum Actor {
        DEVICE,
        SERVICE
    }

    static final Set<JobExecutionStatus> TERMINAL =
            EnumSet.of(
                    JobExecutionStatus.SUCCEEDED,
                    JobExecutionStatus.FAILED,
                    JobExecutionStatus.TIMED_OUT,
                    JobExecutionStatus.REJECTED,
                    JobExecutionStatus.REMOVED,
                    JobExecutionStatus.CANCELED);

    static final Set<JobExecutionStatus> DEVICE_SETTABLE =
            EnumSet.of(
                    JobExecutionStatus.IN_PROGRESS,
                    JobExecutionStatus.SUCCEEDED,
                    JobExecutionStatus.FAILED,
                    JobExecutionStatus.REJECTED);

    private static final Set<JobExecutionStatus> SERVICE_ENDS =
            EnumSet.of(
                    JobExecutionStatus.TIMED_OUT,
                    JobExecutionStatus.CANCELED,
                    JobExecutionStatus.REMOVED);

    private static final Map<JobExecutionStatus, Set<JobExecutionStatus>> DEVICE =
            new EnumMap<>(
                    Map.of(
                            // IN_PROGRESS -> IN_PROGRESS is a progress report (new statusDetails,
                            // versionNumber + 1)
                            JobExecutionStatus.QUEUED, DEVICE_SETTABLE,
                            JobExecutionStatus.IN_PROGRESS, DEVICE_SETTABLE));

    private static final Map<JobExecutionStatus, Set<JobExecutionStatus>> SERVICE =
            new EnumMap<>(
                    Map.of(
                            JobExecutionStatus.QUEUED,
                            union(EnumSet.of(JobExecutionStatus.IN_PROGRESS), SERVICE_ENDS),
                            JobExecutionStatus.IN_PROGRESS,
                            SERVICE_ENDS));

    private ExecutionTransitions() {}

    /** True if {@code actor} may move an execution from {@code from} to {@code to}. */
    public static boolean allowed(Actor actor, JobExecutionStatus from, JobExecutionStatus to) {
        Map<JobExecutionStatus, Set<JobExecutionStatus>> table =
                actor == Actor.DEVICE ? DEVICE : SERVICE;
        return table.getOrDefault(from, Set.of()).contains(to);
    }

    /** All statuses from which nothing moves on. */
    public static Set<JobExecutionStatus> terminal() {
        return EnumSet.copyOf(TERMINAL);
    }

    private static Set<JobExecutionStatus> union(
            Set<JobExecutionStatus> a, Set<JobExecutionStatus> b) {
        EnumSet<JobExecutionStatus> u = EnumSet.copyOf(a);
        u.addAll(b);
        return u;
    }
}
