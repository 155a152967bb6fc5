package dev.meerkat.fleet.deploy;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.meerkat.fleet.refusal.Refusal;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;

/**
 * How a deployment rolls out. Immutable; validated once by {@link #validated()} and stored as JSON
 * with the deployment.
 *
 * @param phases explicit phases (each a share or a count of the devices), or empty for a single
 *     phase
 * @param exponentialRate AWS-style release rate that grows with successes, or null
 * @param maximumPerMinute cap on executions released per minute, or null for none
 * @param autoPause wait for "next phase" after each phase that met its success criteria
 * @param abortCriteria any one met stops the deployment and cancels queued executions
 * @param inProgressTimeoutSeconds an execution in progress longer than this times out (null: never)
 * @param retry retries of failed/timed out executions, or null for none
 * @param maintenanceWindows executions are released only inside one of these (empty: any time)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RolloutPlan(
        List<Phase> phases,
        ExponentialRate exponentialRate,
        Integer maximumPerMinute,
        Boolean autoPause,
        List<AbortCriterion> abortCriteria,
        Integer inProgressTimeoutSeconds,
        RetryPolicy retry,
        List<MaintenanceWindow> maintenanceWindows) {

    public static final int MAX_PHASES = 20;

    /**
     * One phase: {@code percent} of the devices or {@code count} devices (the last phase always
     * takes the rest), not released before {@code startAt}; it counts as successful when at least
     * {@code successPercent} (default 100) of its executions that ran succeeded.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Phase(Double percent, Integer count, Instant startAt, Double successPercent) {
        public double successThreshold() {
            return successPercent == null ? 100.0 : successPercent;
        }
    }

    /**
     * Starts at {@code baseRatePerMinute}, multiplied by {@code incrementFactor} every {@code
     * succeededPerStep} successes.
     */
    public record ExponentialRate(
            int baseRatePerMinute, double incrementFactor, int succeededPerStep) {}

    /**
     * Abort when {@code failureType} failures reach {@code thresholdPercent} of at least {@code
     * minExecuted} executed devices.
     */
    public record AbortCriterion(
            FailureType failureType, double thresholdPercent, int minExecuted) {}

    /**
     * Up to {@code maxRetries} retries of {@code failureType} (FAILED, TIMED_OUT or ALL), backing
     * off exponentially.
     */
    public record RetryPolicy(
            FailureType failureType, int maxRetries, int backoffSeconds, int maxBackoffSeconds) {
        public boolean applies(ExecutionEvent failure, int attempt) {
            if (attempt >= maxRetries) return false;
            return switch (failureType) {
                case ALL -> failure == ExecutionEvent.FAIL || failure == ExecutionEvent.TIME_OUT;
                case FAILED -> failure == ExecutionEvent.FAIL;
                case TIMED_OUT -> failure == ExecutionEvent.TIME_OUT;
                case REJECTED -> false;
            };
        }

        /** Delay before retry number {@code attempt} (1-based): base × 2^(attempt-1), capped. */
        public Duration backoff(int attempt) {
            long s = (long) backoffSeconds << Math.min(30, Math.max(0, attempt - 1));
            return Duration.ofSeconds(Math.min(s, maxBackoffSeconds));
        }
    }

    /** A daily window in UTC, {@code start} "HH:MM", on {@code days} (empty: every day). */
    public record MaintenanceWindow(String start, int durationMinutes, Set<DayOfWeek> days) {
        public boolean contains(Instant t) {
            ZonedDateTime now = t.atZone(ZoneOffset.UTC);
            LocalTime from = LocalTime.parse(start);
            for (int back = 0; back <= 1; back++) {
                ZonedDateTime open =
                        now.toLocalDate().minusDays(back).atTime(from).atZone(ZoneOffset.UTC);
                if ((days == null || days.isEmpty() || days.contains(open.getDayOfWeek()))
                        && !now.isBefore(open)
                        && now.isBefore(open.plusMinutes(durationMinutes))) {
                    return true;
                }
            }
            return false;
        }
    }

    public boolean autoPauseBetweenPhases() {
        return autoPause == null || autoPause;
    }

    public int phaseCount() {
        return phases.isEmpty() ? 1 : phases.size();
    }

    public Phase phase(int index) {
        return phases.isEmpty() ? new Phase(100.0, null, null, null) : phases.get(index);
    }

    /** Checks every bound and returns the plan with absent lists made empty. */
    public RolloutPlan validated() {
        List<Phase> ph = phases == null ? List.of() : List.copyOf(phases);
        if (ph.size() > MAX_PHASES) throw Refusal.badRequest("at most " + MAX_PHASES + " phases");
        for (int i = 0; i < ph.size(); i++) {
            Phase p = ph.get(i);
            boolean last = i == ph.size() - 1;
            if (!last && (p.percent() == null) == (p.count() == null)) {
                throw Refusal.badRequest(
                        "phase " + (i + 1) + " needs exactly one of percent or count");
            }
            if (p.percent() != null && (p.percent() <= 0 || p.percent() > 100)) {
                throw Refusal.badRequest("phase " + (i + 1) + ": percent must be in (0, 100]");
            }
            if (p.count() != null && p.count() < 1)
                throw Refusal.badRequest("phase " + (i + 1) + ": count must be >= 1");
            if (p.successPercent() != null
                    && (p.successPercent() < 0 || p.successPercent() > 100)) {
                throw Refusal.badRequest(
                        "phase " + (i + 1) + ": successPercent must be in [0, 100]");
            }
        }
        if (exponentialRate != null) {
            ExponentialRate r = exponentialRate;
            if (r.baseRatePerMinute() < 1 || r.baseRatePerMinute() > 1000) {
                throw Refusal.badRequest("exponentialRate.baseRatePerMinute must be 1..1000");
            }
            if (r.incrementFactor() < 1.1 || r.incrementFactor() > 5) {
                throw Refusal.badRequest("exponentialRate.incrementFactor must be 1.1..5");
            }
            if (r.succeededPerStep() < 1)
                throw Refusal.badRequest("exponentialRate.succeededPerStep must be >= 1");
        }
        if (maximumPerMinute != null && maximumPerMinute < 1)
            throw Refusal.badRequest("maximumPerMinute must be >= 1");
        List<AbortCriterion> ac = abortCriteria == null ? List.of() : List.copyOf(abortCriteria);
        for (AbortCriterion a : ac) {
            if (a.failureType() == null
                    || a.thresholdPercent() <= 0
                    || a.thresholdPercent() > 100
                    || a.minExecuted() < 1) {
                throw Refusal.badRequest(
                        "abort criterion needs failureType, thresholdPercent in (0, 100]"
                                + " and minExecuted >= 1");
            }
        }
        if (inProgressTimeoutSeconds != null
                && (inProgressTimeoutSeconds < 1 || inProgressTimeoutSeconds > 7 * 24 * 3600)) {
            throw Refusal.badRequest("inProgressTimeoutSeconds must be 1..604800");
        }
        if (retry != null
                && (retry.failureType() == null
                        || retry.failureType() == FailureType.REJECTED
                        || retry.maxRetries() < 0
                        || retry.maxRetries() > 10
                        || retry.backoffSeconds() < 0
                        || retry.maxBackoffSeconds() < retry.backoffSeconds())) {
            throw Refusal.badRequest(
                    "retry needs failureType FAILED, TIMED_OUT or ALL, maxRetries 0..10 and"
                            + " 0 <= backoffSeconds <= maxBackoffSeconds");
        }
        List<MaintenanceWindow> mw =
                maintenanceWindows == null ? List.of() : List.copyOf(maintenanceWindows);
        for (MaintenanceWindow w : mw) {
            try {
                LocalTime.parse(w.start());
            } catch (RuntimeException e) {
                throw Refusal.badRequest("maintenance window start must be HH:MM (UTC)");
            }
            if (w.durationMinutes() < 1 || w.durationMinutes() > 1440) {
                throw Refusal.badRequest("maintenance window durationMinutes must be 1..1440");
            }
        }
        return new RolloutPlan(
                ph,
                exponentialRate,
                maximumPerMinute,
                autoPause,
                ac,
                inProgressTimeoutSeconds,
                retry,
                mw);
    }

    /**
     * How many of {@code devices} each phase gets: percentages are rounded up, counts taken as
     * given, the last phase takes whatever is left. A phase that would get no device is refused (as
     * Mender does).
     */
    public int[] phaseSizes(int devices) {
        int n = phaseCount();
        int[] sizes = new int[n];
        int left = devices;
        for (int i = 0; i < n - 1; i++) {
            Phase p = phases.get(i);
            int want =
                    p.count() != null ? p.count() : (int) Math.ceil(devices * p.percent() / 100.0);
            sizes[i] = Math.min(want, left);
            left -= sizes[i];
        }
        sizes[n - 1] = left;
        for (int i = 0; i < n && devices > 0; i++) {
            if (sizes[i] == 0) {
                throw Refusal.unprocessable(
                        "Empty phase",
                        "phase "
                                + (i + 1)
                                + " of "
                                + n
                                + " would get no device"
                                + " out of "
                                + devices
                                + "; use fewer phases or counts");
            }
        }
        return sizes;
    }

    /** Executions per minute the deployment may release now, or -1 for no limit. */
    public double ratePerMinute(int succeeded) {
        double rate = -1;
        if (exponentialRate != null) {
            int steps = succeeded / exponentialRate.succeededPerStep();
            rate =
                    exponentialRate.baseRatePerMinute()
                            * Math.pow(exponentialRate.incrementFactor(), Math.min(steps, 64));
        }
        if (maximumPerMinute != null)
            rate = rate < 0 ? maximumPerMinute : Math.min(rate, maximumPerMinute);
        return rate;
    }

    public boolean insideMaintenanceWindow(Instant t) {
        if (maintenanceWindows.isEmpty()) return true;
        for (MaintenanceWindow w : maintenanceWindows) {
            if (w.contains(t)) return true;
        }
        return false;
    }
}
