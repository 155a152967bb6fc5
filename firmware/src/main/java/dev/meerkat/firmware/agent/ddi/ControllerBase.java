package dev.meerkat.firmware.agent.ddi;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hawkBit DDI controller base ({@code GET /{tenant}/controller/v1/{controllerId}}): how long to
 * sleep before the next poll ({@code config.polling.sleep}, {@code HH:MM:SS}) and the links to
 * follow.
 *
 * @param sleep the server's polling interval
 * @param deploymentBase the {@code deploymentBase} link, when there is an action
 * @param configData the {@code configData} link, when the server asks for the device's attributes
 */
public record ControllerBase(
        Duration sleep, Optional<String> deploymentBase, Optional<String> configData) {

    private static final Pattern HMS = Pattern.compile("(\\d{1,3}):([0-5]\\d):([0-5]\\d)");

    /** The longest sleep taken from a server (a device still hears from it once a day). */
    public static final Duration MAX_SLEEP = Duration.ofDays(1);

    public ControllerBase {
        Objects.requireNonNull(sleep);
        Objects.requireNonNull(deploymentBase);
        Objects.requireNonNull(configData);
    }

    /**
     * Reads a controller base; a missing or malformed sleep is refused.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static ControllerBase fromJson(JsonNode n) {
        String sleep = n.path("config").path("polling").path("sleep").asText("");
        return new ControllerBase(
                parseSleep(sleep),
                href(n.path("_links").path("deploymentBase")),
                href(n.path("_links").path("configData")));
    }

    /**
     * {@code HH:MM:SS} as a duration, at least 1 s and at most {@link #MAX_SLEEP}.
     *
     * @throws IllegalArgumentException when not {@code HH:MM:SS}
     */
    public static Duration parseSleep(String hms) {
        Matcher m = HMS.matcher(hms);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "config.polling.sleep '" + hms + "' is not HH:MM:SS");
        }
        Duration d =
                Duration.ofHours(Long.parseLong(m.group(1)))
                        .plusMinutes(Long.parseLong(m.group(2)))
                        .plusSeconds(Long.parseLong(m.group(3)));
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            return Duration.ofSeconds(1);
        }
        return d.compareTo(MAX_SLEEP) > 0 ? MAX_SLEEP : d;
    }

    static Optional<String> href(JsonNode link) {
        String h = link.path("href").asText("");
        return h.startsWith("http://") || h.startsWith("https://")
                ? Optional.of(h)
                : Optional.empty();
    }
}
