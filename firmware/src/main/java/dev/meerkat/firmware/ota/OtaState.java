package dev.meerkat.firmware.ota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.boot.Slot;
import dev.meerkat.firmware.json.Json;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The OTA state that survives a reset ({@code ota.json}): what is being downloaded, where it
 * resumes, what was installed and how the last update ended.
 *
 * @param phase where the update is
 * @param origin the delivery channel that started it ({@code rpc}, or an agent's name)
 * @param url the image URL ({@code rpc:} for an upload through OTA.Begin/Write/End)
 * @param slot the slot being written
 * @param checkpoint where a download resumes after a reset (a sector boundary)
 * @param total the image length, once known
 * @param etag the server's ETag, for If-Range on resume
 * @param version version of the update, once its header arrived
 * @param hash first 8 bytes of the installed image's hash, hex
 * @param commitTimeout seconds of healthy running before the test boot commits (0: at once)
 * @param result how the last update ended
 */
public record OtaState(
        Phase phase,
        String origin,
        Optional<String> url,
        Optional<Slot> slot,
        OptionalLong checkpoint,
        OptionalLong total,
        Optional<String> etag,
        Optional<String> version,
        Optional<String> hash,
        OptionalLong commitTimeout,
        Optional<OtaResult> result) {

    /** Phases of an update as recorded on the device. */
    public enum Phase {
        IDLE,
        DOWNLOADING,
        DECRYPTING,
        INSTALLED;

        String wire() {
            return name().toLowerCase();
        }
    }

    static final String FILE = "ota.json";
    static final String RPC_UPLOAD = "rpc:";

    public OtaState {
        Objects.requireNonNull(phase);
        Objects.requireNonNull(origin);
        Objects.requireNonNull(url);
        Objects.requireNonNull(slot);
        Objects.requireNonNull(checkpoint);
        Objects.requireNonNull(total);
        Objects.requireNonNull(etag);
        Objects.requireNonNull(version);
        Objects.requireNonNull(hash);
        Objects.requireNonNull(commitTimeout);
        Objects.requireNonNull(result);
    }

    /** Nothing in progress, nothing known. */
    public static OtaState idle() {
        return new OtaState(
                Phase.IDLE,
                "rpc",
                Optional.empty(),
                Optional.empty(),
                OptionalLong.empty(),
                OptionalLong.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                OptionalLong.empty(),
                Optional.empty());
    }

    /** A new download of {@code url} into {@code slot}, keeping the last result. */
    OtaState downloading(
            String origin, String url, Slot slot, long from, OptionalLong commitTimeout) {
        return new OtaState(
                Phase.DOWNLOADING,
                origin,
                Optional.of(url),
                Optional.of(slot),
                OptionalLong.of(from),
                from == 0 ? OptionalLong.empty() : total,
                from == 0 ? Optional.empty() : etag,
                from == 0 ? Optional.empty() : version,
                hash,
                commitTimeout,
                result);
    }

    OtaState withPhase(Phase p) {
        return new OtaState(
                p,
                origin,
                url,
                slot,
                checkpoint,
                total,
                etag,
                version,
                hash,
                commitTimeout,
                result);
    }

    OtaState withCheckpoint(long at) {
        return new OtaState(
                phase,
                origin,
                url,
                slot,
                OptionalLong.of(at),
                total,
                etag,
                version,
                hash,
                commitTimeout,
                result);
    }

    OtaState withTransfer(long length, Optional<String> tag) {
        return new OtaState(
                phase,
                origin,
                url,
                slot,
                checkpoint,
                OptionalLong.of(length),
                tag.or(() -> etag),
                version,
                hash,
                commitTimeout,
                result);
    }

    OtaState withVersion(String v) {
        return new OtaState(
                phase,
                origin,
                url,
                slot,
                checkpoint,
                total,
                etag,
                Optional.of(v),
                hash,
                commitTimeout,
                result);
    }

    OtaState installed(String v, String imageHash) {
        return new OtaState(
                Phase.INSTALLED,
                origin,
                url,
                slot,
                OptionalLong.empty(),
                total,
                etag,
                Optional.of(v),
                Optional.of(imageHash),
                commitTimeout,
                result);
    }

    /** Back to idle with {@code r} as the last result. */
    OtaState ended(OtaResult r) {
        return new OtaState(
                Phase.IDLE,
                origin,
                url,
                slot,
                OptionalLong.empty(),
                total,
                etag,
                version,
                hash,
                r.outcome() == OtaResult.Outcome.COMMITTED ? OptionalLong.empty() : commitTimeout,
                Optional.of(r));
    }

    /** Whether the update is an upload through OTA.Begin/Write/End. */
    boolean isUpload() {
        return url.filter(RPC_UPLOAD::equals).isPresent();
    }

    /** The {@code ota.json} form (also the body of OTA.Status). */
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("phase", phase.wire());
        if (!origin.equals("rpc")) {
            o.put("origin", origin);
        }
        commitTimeout.ifPresent(t -> o.put("commit_timeout", t));
        url.ifPresent(u -> o.put("url", u));
        slot.ifPresent(s -> o.put("slot", s.name()));
        checkpoint.ifPresent(c -> o.put("offset", c));
        total.ifPresent(t -> o.put("total", t));
        etag.ifPresent(e -> o.put("etag", e));
        version.ifPresent(v -> o.put("version", v));
        hash.ifPresent(h -> o.put("hash", h));
        result.ifPresent(r -> o.set("result", r.toJson()));
        return o;
    }

    /** Reads {@code ota.json}; unknown or broken content reads as idle. */
    static OtaState fromJson(JsonNode n) {
        if (!(n instanceof ObjectNode o)) {
            return idle();
        }
        Phase p;
        try {
            p = Phase.valueOf(o.path("phase").asText("idle").toUpperCase());
        } catch (IllegalArgumentException e) {
            p = Phase.IDLE;
        }
        Optional<Slot> slot;
        try {
            slot =
                    o.hasNonNull("slot")
                            ? Optional.of(Slot.valueOf(o.get("slot").asText()))
                            : Optional.empty();
        } catch (IllegalArgumentException e) {
            slot = Optional.empty();
        }
        return new OtaState(
                p,
                o.path("origin").asText("rpc"),
                text(o, "url"),
                slot,
                number(o, "offset"),
                number(o, "total"),
                text(o, "etag"),
                text(o, "version"),
                text(o, "hash"),
                number(o, "commit_timeout"),
                OtaResult.fromJson(o.get("result")));
    }

    private static Optional<String> text(ObjectNode o, String field) {
        return o.hasNonNull(field) ? Optional.of(o.get(field).asText()) : Optional.empty();
    }

    private static OptionalLong number(ObjectNode o, String field) {
        return o.hasNonNull(field) && o.get(field).canConvertToLong()
                ? OptionalLong.of(o.get(field).asLong())
                : OptionalLong.empty();
    }
}
