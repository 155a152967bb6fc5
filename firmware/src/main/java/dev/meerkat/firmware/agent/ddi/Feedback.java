package dev.meerkat.firmware.agent.ddi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A hawkBit DDI action feedback ({@code POST …/deploymentBase/{actionId}/feedback}).
 *
 * @param actionId the action
 * @param execution {@code proceeding}, {@code download}, {@code downloaded}, {@code closed}, …
 * @param finished {@code none}, {@code success} or {@code failure}
 * @param progress steps done of steps, if reported
 * @param details human-readable lines (the first line of a failure is the reason)
 */
public record Feedback(
        String actionId,
        String execution,
        String finished,
        Optional<Progress> progress,
        List<String> details) {

    private static final int MAX_DETAIL = 500;

    /** {@code cnt} steps of {@code of} done. */
    public record Progress(int cnt, int of) {}

    public Feedback {
        Objects.requireNonNull(actionId);
        Objects.requireNonNull(execution);
        Objects.requireNonNull(finished);
        Objects.requireNonNull(progress);
        details =
                details.stream()
                        .map(d -> d.length() <= MAX_DETAIL ? d : d.substring(0, MAX_DETAIL))
                        .toList();
    }

    /** Work goes on ({@code execution} names the step). */
    public static Feedback proceeding(String actionId, String execution, String detail) {
        return new Feedback(actionId, execution, "none", Optional.empty(), List.of(detail));
    }

    /** Download progress in tenths. */
    public static Feedback progress(String actionId, int percent) {
        return new Feedback(
                actionId,
                "proceeding",
                "none",
                Optional.of(new Progress(percent / 10, 10)),
                List.of("downloaded " + percent + "%"));
    }

    /** The action is over. */
    public static Feedback closed(String actionId, boolean success, List<String> details) {
        return new Feedback(
                actionId, "closed", success ? "success" : "failure", Optional.empty(), details);
    }

    public boolean isFinal() {
        return execution.equals("closed") || execution.equals("rejected");
    }

    public ObjectNode toJson() {
        ObjectNode f = Json.object();
        f.put("id", actionId);
        ObjectNode status = f.putObject("status");
        status.put("execution", execution);
        ObjectNode result = status.putObject("result");
        result.put("finished", finished);
        progress.ifPresent(p -> result.putObject("progress").put("cnt", p.cnt()).put("of", p.of()));
        details.forEach(status.putArray("details")::add);
        return f;
    }

    /**
     * Reads a feedback back (what the device journal keeps).
     *
     * @throws IllegalArgumentException when it is not one
     */
    public static Feedback fromJson(JsonNode n) {
        JsonNode status = n.path("status");
        if (!n.hasNonNull("id") || !status.hasNonNull("execution")) {
            throw new IllegalArgumentException("not a DDI feedback");
        }
        JsonNode p = status.path("result").path("progress");
        List<String> details = new ArrayList<>();
        status.path("details").forEach(d -> details.add(d.asText()));
        return new Feedback(
                n.get("id").asText(),
                status.get("execution").asText(),
                status.path("result").path("finished").asText("none"),
                p.isObject()
                        ? Optional.of(new Progress(p.path("cnt").asInt(), p.path("of").asInt()))
                        : Optional.empty(),
                details);
    }
}
