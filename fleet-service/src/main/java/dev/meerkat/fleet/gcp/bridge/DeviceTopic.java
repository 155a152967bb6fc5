package dev.meerkat.fleet.gcp.bridge;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Cloud IoT Core MQTT topic, or a subscription filter, of one device: {@code
 * /devices/{id}/config}, {@code /devices/{id}/commands[/…|/#]}, {@code /devices/{id}/events[/…]},
 * {@code /devices/{id}/state}. Which of them a device may publish to or subscribe to is {@link
 * #ACCESS}, a table.
 */
public record DeviceTopic(String deviceId, Kind kind, String subfolder) {
    public enum Kind {
        CONFIG,
        COMMANDS,
        EVENTS,
        STATE
    }

    /** What a device may do with a topic of its own: publish to it, subscribe to it. */
    public enum Access {
        PUBLISH,
        SUBSCRIBE
    }

    /**
     * Cloud IoT Core's bridge rules: config and commands flow to the device, events and state from
     * it.
     */
    private static final java.util.Map<Kind, Access> ACCESS =
            java.util.Map.of(
                    Kind.CONFIG, Access.SUBSCRIBE,
                    Kind.COMMANDS, Access.SUBSCRIBE,
                    Kind.EVENTS, Access.PUBLISH,
                    Kind.STATE, Access.PUBLISH);

    private static final String SEGMENT = "[a-zA-Z0-9._~%+-]+";
    private static final Pattern TOPIC =
            Pattern.compile(
                    "/devices/([^/#+]+)/(config|state|commands|events)((?:/"
                            + SEGMENT
                            + ")*)(/#)?");

    /**
     * Parses a topic name or filter; empty for anything else, including wildcards anywhere but a
     * trailing {@code /#} after {@code commands}.
     */
    public static Optional<DeviceTopic> parse(String topic) {
        if (topic == null) return Optional.empty();
        Matcher m = TOPIC.matcher(topic);
        if (!m.matches()) return Optional.empty();
        Kind kind = Kind.valueOf(m.group(2).toUpperCase(java.util.Locale.ROOT));
        String sub = m.group(3).isEmpty() ? "" : m.group(3).substring(1);
        boolean wildcard = m.group(4) != null;
        if (wildcard && kind != Kind.COMMANDS) return Optional.empty();
        if (!sub.isEmpty() && (kind == Kind.CONFIG || kind == Kind.STATE)) return Optional.empty();
        return Optional.of(
                new DeviceTopic(
                        m.group(1), kind, wildcard ? (sub.isEmpty() ? "#" : sub + "/#") : sub));
    }

    /** True when the device {@code deviceId} may use {@code topic} this way. */
    public static boolean allowed(String deviceId, String topic, Access access) {
        return parse(topic)
                .filter(t -> t.deviceId().equals(deviceId))
                .map(t -> ACCESS.get(t.kind()) == access)
                .orElse(false);
    }

    public static String config(String deviceId) {
        return "/devices/" + deviceId + "/config";
    }

    public static String commands(String deviceId, String subfolder) {
        return "/devices/" + deviceId + "/commands" + (subfolder.isEmpty() ? "" : "/" + subfolder);
    }
}
