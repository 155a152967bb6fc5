package dev.meerkat.firmware.ota;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.json.Json;
import java.util.Objects;

/**
 * What an update reports while it runs and when it ends; {@link #toJson()} is the payload published
 * on {@code <device>/ota}. {@link #origin()} names the delivery channel that started the update, so
 * a channel reports only its own updates.
 */
public sealed interface OtaEvent {

    /** The channel that started the update ({@code rpc}, or an agent's name). */
    String origin();

    ObjectNode toJson();

    /** A download starts or resumes. */
    record Started(String origin, String url, String slot, long bytes) implements OtaEvent {
        @Override
        public ObjectNode toJson() {
            ObjectNode e = state("downloading");
            e.put("url", url).put("slot", slot).put("bytes", bytes);
            return e;
        }
    }

    /** Every tenth percent of the image. */
    record Progress(String origin, int percent, long bytes, long total) implements OtaEvent {
        @Override
        public ObjectNode toJson() {
            ObjectNode e = state("downloading");
            e.put("progress", percent).put("bytes", bytes).put("total", total);
            return e;
        }
    }

    /** The connection broke; the download resumes at {@code bytes}. */
    record Retrying(String origin, long bytes, String error) implements OtaEvent {
        @Override
        public ObjectNode toJson() {
            ObjectNode e = state("retrying");
            e.put("bytes", bytes).put("error", error);
            return e;
        }
    }

    /** The image is valid and pending; the device reboots into a test boot. */
    record Installed(String origin, String version) implements OtaEvent {
        @Override
        public ObjectNode toJson() {
            ObjectNode e = state("installed");
            e.put("version", version);
            return e;
        }
    }

    /** The test boot of the update runs. */
    record Testing(String origin, String version) implements OtaEvent {
        @Override
        public ObjectNode toJson() {
            ObjectNode e = state("testing");
            e.put("version", version);
            return e;
        }
    }

    /** The update under test is given up. */
    record Reverting(String origin, String reason) implements OtaEvent {
        @Override
        public ObjectNode toJson() {
            ObjectNode e = state("reverting");
            e.put("reason", reason);
            return e;
        }
    }

    /** The update ended. */
    record Ended(String origin, OtaResult result) implements OtaEvent {
        public Ended {
            Objects.requireNonNull(result);
        }

        @Override
        public ObjectNode toJson() {
            return result.toJson();
        }
    }

    private static ObjectNode state(String name) {
        ObjectNode e = Json.object();
        e.put("state", name);
        return e;
    }
}
