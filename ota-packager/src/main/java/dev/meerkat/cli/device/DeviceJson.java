package dev.meerkat.cli.device;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.firmware.json.Json;
import java.io.PrintWriter;

/** How device commands print JSON: indented for a person, one line with {@code --json}. */
final class DeviceJson {

    private DeviceJson() {}

    static void print(PrintWriter out, JsonNode value, boolean oneLine) {
        JsonNode v = value == null ? Json.MAPPER.nullNode() : value;
        try {
            out.println(
                    oneLine
                            ? Json.write(v)
                            : Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(v));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out.flush();
    }

    /**
     * ARGS as given on the command line: a JSON object (or any JSON value); a usage error
     * otherwise.
     */
    static JsonNode parseArgs(String text, String what) {
        try {
            return Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(
                    what + " is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
