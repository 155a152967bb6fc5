package dev.meerkat.firmware.ota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.boot.RollbackReason;
import dev.meerkat.firmware.json.Json;
import java.util.Objects;
import java.util.Optional;

/**
 * How an update ended, as reported on {@code <device>/ota} and kept in {@code ota.json}.
 *
 * @param outcome what happened
 * @param reason the bootloader's reason for a rollback or a refusal at install, if any
 * @param detail human-readable detail (the error of a failure)
 * @param version version of the update, if known
 * @param running version running when the outcome was recorded
 */
public record OtaResult(
        Outcome outcome,
        Optional<RollbackReason> reason,
        Optional<String> detail,
        Optional<String> version,
        String running) {

    /** Outcomes of an update. */
    public enum Outcome {
        COMMITTED,
        ROLLED_BACK,
        FAILED,
        CANCELLED;

        String wire() {
            return name().toLowerCase();
        }

        static Outcome ofWire(String s) {
            return valueOf(s.toUpperCase());
        }
    }

    public OtaResult {
        Objects.requireNonNull(outcome);
        Objects.requireNonNull(reason);
        Objects.requireNonNull(detail);
        Objects.requireNonNull(version);
        Objects.requireNonNull(running);
    }

    public ObjectNode toJson() {
        ObjectNode r = Json.object();
        r.put("state", outcome.wire());
        reason.ifPresent(
                x -> {
                    r.put("reason", x.name());
                    r.put("description", x.description());
                });
        detail.ifPresent(d -> r.put(outcome == Outcome.FAILED ? "error" : "detail", d));
        version.ifPresent(v -> r.put("version", v));
        r.put("running", running);
        return r;
    }

    static Optional<OtaResult> fromJson(JsonNode n) {
        if (n == null || !n.isObject()) {
            return Optional.empty();
        }
        try {
            Outcome o = Outcome.ofWire(n.path("state").asText());
            Optional<RollbackReason> reason =
                    n.hasNonNull("reason")
                            ? Optional.of(RollbackReason.valueOf(n.get("reason").asText()))
                            : Optional.empty();
            String d =
                    n.hasNonNull("error")
                            ? n.get("error").asText()
                            : n.hasNonNull("detail") ? n.get("detail").asText() : null;
            return Optional.of(
                    new OtaResult(
                            o,
                            reason,
                            Optional.ofNullable(d),
                            n.hasNonNull("version")
                                    ? Optional.of(n.get("version").asText())
                                    : Optional.empty(),
                            n.path("running").asText("")));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
