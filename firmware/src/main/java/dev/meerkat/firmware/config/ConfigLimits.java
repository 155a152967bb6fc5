package dev.meerkat.firmware.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The value ranges of the schema, checked on {@code Config.Set} and on load, so that a value the
 * runtime cannot use (a log level of 10^20, a negative keep-alive, a port of 70000) is refused
 * before it is saved instead of failing the next boot.
 *
 * <p>Two rules apply to every integer key: it must fit in 64 bits, and when its default fits in 32
 * bits (the runtime reads it as an {@code int}) it must fit in 32 bits. The table below adds the
 * ranges and formats of the runtime's own keys.
 */
public final class ConfigLimits {

    /** One constraint on one key. */
    public sealed interface Limit {
        /** Why {@code value} is refused, or empty when it is acceptable. */
        Optional<String> refuse(JsonNode value);
    }

    /** An integer within [min, max]. */
    public record IntRange(long min, long max) implements Limit {
        @Override
        public Optional<String> refuse(JsonNode v) {
            if (!v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
                return Optional.of("must be " + min + ".." + max);
            }
            return Optional.empty();
        }
    }

    /** A string matching a pattern (described for the error message). */
    public record Format(Pattern pattern, String description) implements Limit {
        @Override
        public Optional<String> refuse(JsonNode v) {
            return pattern.matcher(v.asText()).matches()
                    ? Optional.empty()
                    : Optional.of("must be " + description);
        }
    }

    /**
     * {@code host:port}: an IPv4 address, a [bracketed] IPv6 address or a host name; a port
     * 0..65535.
     */
    public record ListenAddress() implements Limit {
        private static final Pattern FORM =
                Pattern.compile(
                        "(\\d{1,3}(\\.\\d{1,3}){3}|\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,252})):(\\d{1,5})");

        @Override
        public Optional<String> refuse(JsonNode v) {
            var m = FORM.matcher(v.asText());
            if (!m.matches() || Integer.parseInt(m.group(4)) > 65535) {
                return Optional.of("must be host:port with a port 0..65535");
            }
            if (m.group(2) != null) {
                for (String octet : m.group(1).split("\\.")) {
                    if (Integer.parseInt(octet) > 255) {
                        return Optional.of("must be host:port with a valid IPv4 address");
                    }
                }
            }
            return Optional.empty();
        }
    }

    // A source may have a path (fleet-service sends as "fleet/<device>" so that each reply topic is
    // the device's own).
    private static final String SOURCE = "[A-Za-z0-9._/-]{1,64}=[A-Za-z0-9._-]{1,64}";
    private static final Pattern FILE_OR_EMPTY =
            Pattern.compile("|[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}");

    /**
     * Ranges and formats of the runtime's keys; an application's keys get the generic rules only.
     */
    private static final Map<String, Limit> TABLE =
            Map.ofEntries(
                    Map.entry(
                            "device.id",
                            new Format(
                                    Pattern.compile("|[A-Za-z0-9._-]{1,64}"),
                                    "empty or 1-64 letters, digits, '.', '_' or '-' (it is part of MQTT topics)")),
                    Map.entry("debug.level", new IntRange(0, 4)),
                    Map.entry(
                            "mqtt.server",
                            new Format(
                                    Pattern.compile("|(tcp|ssl)://[^/\\s:]+(:\\d{1,5})?"),
                                    "empty or tcp://host:port / ssl://host:port")),
                    Map.entry("mqtt.keep_alive", new IntRange(0, 65535)),
                    Map.entry("mqtt.reconnect_timeout_min", new IntRange(1, 3_600_000)),
                    Map.entry("mqtt.reconnect_timeout_max", new IntRange(1, 3_600_000)),
                    Map.entry("mqtt.queue_max", new IntRange(0, 10_000)),
                    Map.entry("mqtt.handshake_timeout", new IntRange(1, 3600)),
                    Map.entry(
                            "mqtt.ssl_ca_cert", new Format(FILE_OR_EMPTY, "a file name or empty")),
                    Map.entry("http.listen_addr", new ListenAddress()),
                    Map.entry("http.ssl_cert", new Format(FILE_OR_EMPTY, "a file name or empty")),
                    Map.entry("http.ssl_key", new Format(FILE_OR_EMPTY, "a file name or empty")),
                    Map.entry(
                            "http.ssl_ca_cert", new Format(FILE_OR_EMPTY, "a file name or empty")),
                    Map.entry(
                            "rpc.auth_domain",
                            new Format(
                                    Pattern.compile("[^\"\\\\:\\p{Cntrl}]{0,64}"),
                                    "at most 64 characters without '\"', '\\\\' or ':'")),
                    Map.entry("rpc.auth_file", new Format(FILE_OR_EMPTY, "a file name or empty")),
                    Map.entry("rpc.acl_file", new Format(FILE_OR_EMPTY, "a file name or empty")),
                    Map.entry(
                            "rpc.mqtt_sources",
                            new Format(
                                    Pattern.compile("|" + SOURCE + "(," + SOURCE + ")*"),
                                    "empty or src=user pairs separated by ','")),
                    Map.entry("ota.commit_timeout", new IntRange(0, 7 * 24 * 3600)),
                    Map.entry("ota.chunk", new IntRange(512, 1 << 20)),
                    Map.entry("ota.checkpoint", new IntRange(0, 1L << 30)),
                    Map.entry("ota.retries", new IntRange(0, 1000)),
                    Map.entry("ota.ssl_ca_cert", new Format(FILE_OR_EMPTY, "a file name or empty")),
                    Map.entry(
                            "update.url",
                            new Format(
                                    Pattern.compile("|https?://\\S{1,500}"),
                                    "empty or an http:// or https:// URL")),
                    Map.entry("update.interval", new IntRange(1, 7 * 24 * 3600)),
                    Map.entry(
                            "ddi.server",
                            new Format(
                                    Pattern.compile("|https?://[^/\\s]{1,253}(/\\S{0,200})?"),
                                    "empty or an http:// or https:// URL")),
                    Map.entry(
                            "ddi.tenant",
                            new Format(
                                    Pattern.compile("[A-Za-z0-9._-]{1,64}"),
                                    "1-64 letters, digits, '.', '_' or '-'")),
                    Map.entry(
                            "ddi.controller_id",
                            new Format(
                                    Pattern.compile("|[A-Za-z0-9._-]{1,64}"),
                                    "empty (the device id) or 1-64 letters, digits, '.', '_' or '-'")));

    private ConfigLimits() {}

    /**
     * Why {@code value} may not be stored at {@code path} whose default is {@code schema}, or
     * empty. Types are checked by {@link Config} before this.
     */
    static Optional<String> refuse(String path, JsonNode schema, JsonNode value) {
        if (value.isIntegralNumber()) {
            if (!value.canConvertToLong()) {
                return Optional.of("must fit in 64 bits");
            }
            if (schema.canConvertToInt() && !value.canConvertToInt()) {
                return Optional.of("must be " + Integer.MIN_VALUE + ".." + Integer.MAX_VALUE);
            }
        }
        Limit l = TABLE.get(path);
        return l == null ? Optional.empty() : l.refuse(value);
    }
}
