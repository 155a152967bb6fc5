package dev.meerkat.firmware.agent.ddi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.json.Json;
import java.util.Objects;
import java.util.Optional;

/**
 * The DDI action this device works on, kept in {@value #FILE} so that a reset or power cut neither
 * starts it twice nor loses its outcome: the action id, where its feedback goes, and the final
 * feedback until the server has taken it.
 *
 * @param actionId the action
 * @param feedbackUrl {@code …/deploymentBase/{actionId}/feedback}
 * @param outcome the final feedback not yet accepted by the server
 */
public record DdiAction(String actionId, String feedbackUrl, Optional<Feedback> outcome) {

    /** The journal file in the device's file store. */
    public static final String FILE = "ddi.json";

    public DdiAction {
        Objects.requireNonNull(actionId);
        Objects.requireNonNull(feedbackUrl);
        Objects.requireNonNull(outcome);
    }

    public DdiAction withOutcome(Feedback f) {
        return new DdiAction(actionId, feedbackUrl, Optional.of(f));
    }

    public ObjectNode toJson() {
        ObjectNode a = Json.object();
        a.put("action", actionId);
        a.put("feedback", feedbackUrl);
        outcome.ifPresent(f -> a.set("outcome", f.toJson()));
        return a;
    }

    /**
     * Reads the journal.
     *
     * @throws IllegalArgumentException when it is not one
     */
    public static DdiAction fromJson(JsonNode n) {
        if (!n.hasNonNull("action") || !n.hasNonNull("feedback")) {
            throw new IllegalArgumentException("not a DDI action journal");
        }
        return new DdiAction(
                n.get("action").asText(),
                n.get("feedback").asText(),
                n.hasNonNull("outcome")
                        ? Optional.of(Feedback.fromJson(n.get("outcome")))
                        : Optional.empty());
    }
}
