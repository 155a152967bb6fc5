package dev.meerkat.firmware.agent.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.firmware.json.Json;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The update instruction a Cloud IoT Core config carries: {@code {"meerkat_update": {"id", "url",
 * "version"?, "size"?, "commit_timeout"?}}}. A config without it (or any other config the
 * application uses) is not an instruction. The image itself is what is trusted: the bootloader
 * installs only an image signed by a release key, and the stated version and size must match it.
 */
public record UpdateInstruction(
        String id,
        String url,
        Optional<String> version,
        OptionalLong size,
        OptionalLong commitTimeout) {
    public static final String KEY = "meerkat_update";

    /** The instruction in a config payload; empty when the config holds none or is not JSON. */
    public static Optional<UpdateInstruction> of(byte[] config) {
        if (config.length == 0) return Optional.empty();
        JsonNode root;
        try {
            root = Json.parse(config);
        } catch (IllegalArgumentException notJson) {
            return Optional.empty();
        }
        JsonNode u = root.path(KEY);
        if (!u.isObject() || !u.path("id").isTextual() || !u.path("url").isTextual())
            return Optional.empty();
        String id = u.get("id").asText();
        String url = u.get("url").asText();
        if (id.isEmpty() || id.length() > 128) return Optional.empty();
        if (!url.startsWith("http://") && !url.startsWith("https://")) return Optional.empty();
        return Optional.of(
                new UpdateInstruction(
                        id,
                        url,
                        u.path("version").isTextual()
                                ? Optional.of(u.get("version").asText())
                                : Optional.empty(),
                        u.path("size").canConvertToLong()
                                ? OptionalLong.of(u.get("size").asLong())
                                : OptionalLong.empty(),
                        u.path("commit_timeout").canConvertToLong()
                                ? OptionalLong.of(u.get("commit_timeout").asLong())
                                : OptionalLong.empty()));
    }
}
