package dev.meerkat.cli.device;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.firmware.json.Json;

/**
 * An error frame the device answered ({@code {"error": {"code", "message"}}}): the device was
 * reached and said no. Becomes a one-line message and exit code 1.
 */
public final class DeviceError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int code;
    private final String method;

    DeviceError(String method, int code, String message) {
        super(message);
        this.method = method;
        this.code = code;
    }

    /** From a response frame's error object. */
    static DeviceError of(String method, JsonNode error) {
        return new DeviceError(
                method, error.path("code").asInt(500), error.path("message").asText(""));
    }

    public int code() {
        return code;
    }

    /**
     * The reason of a 401, whose message is the device's challenge object, or the message itself.
     */
    String reason() {
        if (code == 401) {
            try {
                JsonNode c =
                        Json.parse(getMessage().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                if (c.hasNonNull("reason")) {
                    return c.get("reason").asText();
                }
            } catch (IllegalArgumentException e) {
                // a plain message
            }
        }
        return getMessage();
    }

    /** The one-line error the command prints. */
    CliException toCli(DeviceCredentials credentials) {
        String text =
                switch (code) {
                    case 401 ->
                            credentials.present()
                                    ? "device refused the credentials of user "
                                            + credentials.user()
                                            + " ("
                                            + reason()
                                            + ")"
                                    : method
                                            + " needs authentication ("
                                            + reason()
                                            + "): give --user with --password-file, "
                                            + "--credentials or MEERKAT_DEVICE_PASSWORD";
                    case 403 -> "device refused " + method + ": " + reason();
                    case 404 -> "device answered 404 to " + method + ": " + reason();
                    default -> "device answered " + code + " to " + method + ": " + reason();
                };
        return new CliException(ExitCode.INVALID, text);
    }
}
