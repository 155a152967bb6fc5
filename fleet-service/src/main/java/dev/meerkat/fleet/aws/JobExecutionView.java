package dev.meerkat.fleet.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.cloud.aws.jobs.JobExecution;
import dev.meerkat.cloud.aws.jobs.JobExecutionStatus;
import dev.meerkat.fleet.deploy.Execution;
import dev.meerkat.fleet.deploy.ExecutionState;
import dev.meerkat.fleet.deploy.RolloutPlan;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A fleet execution as an AWS job execution. The two share one status set, so statuses map by name;
 * the execution number is the attempt plus one (a retry is a new execution number, as in AWS);
 * statusDetails are stored as a JSON object, and the bootloader's rollback reason, stored on the
 * execution, is shown under {@value #ROLLBACK_REASON}. Text the service wrote itself (for instance
 * "deployment aborted") appears under {@value #SERVICE_DETAIL}.
 */
final class JobExecutionView {

    /** The statusDetails key a device puts the rollback reason under. */
    static final String ROLLBACK_REASON = "rollbackReason";

    static final String SERVICE_DETAIL = "meerkat";

    private static final ObjectMapper JSON = new ObjectMapper();

    private JobExecutionView() {}

    static JobExecution of(Execution e, JsonNode document, RolloutPlan plan, Instant now) {
        Long remaining = null;
        if (e.state() == ExecutionState.IN_PROGRESS
                && plan.inProgressTimeoutSeconds() != null
                && e.startedAt() != null) {
            long elapsed = now.getEpochSecond() - e.startedAt().getEpochSecond();
            remaining = Math.max(0, plan.inProgressTimeoutSeconds() - elapsed);
        }
        return new JobExecution(
                e.deploymentId(),
                e.deviceId(),
                document,
                status(e.state()),
                details(e),
                seconds(e.releasedAt() != null ? e.releasedAt() : e.updatedAt()),
                seconds(e.startedAt()),
                seconds(e.updatedAt()),
                remaining,
                e.versionNumber(),
                (long) e.attempt() + 1);
    }

    static JobExecutionStatus status(ExecutionState s) {
        return JobExecutionStatus.valueOf(s.name());
    }

    /** The stored details as a map, with the rollback reason when there is one. */
    static Map<String, String> details(Execution e) {
        Map<String, String> out = new TreeMap<>();
        String stored = e.statusDetails();
        if (stored != null && stored.startsWith("{")) {
            try {
                out.putAll(JSON.readValue(stored, new TypeReference<Map<String, String>>() {}));
            } catch (JsonProcessingException ex) {
                out.put(SERVICE_DETAIL, stored);
            }
        } else if (stored != null) {
            out.put(SERVICE_DETAIL, stored);
        }
        if (e.rollbackReason() != null) out.putIfAbsent(ROLLBACK_REASON, e.rollbackReason());
        return out;
    }

    /** Details as stored: a JSON object (null when none were sent, so the old ones stay). */
    static String stored(Map<String, String> details) {
        if (details == null) return null;
        try {
            return JSON.writeValueAsString(new LinkedHashMap<>(details));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static Long seconds(Instant t) {
        return t == null ? null : t.getEpochSecond();
    }
}
