package dev.meerkat.fleet.device;

import dev.meerkat.fleet.refusal.Refusal;
import java.util.regex.Pattern;

/**
 * Validation of the names the registry stores: bounded, printable, safe in URLs and MQTT topics.
 */
public final class DeviceIds {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern ATTR_KEY = Pattern.compile("[a-z][a-z0-9_.-]{0,31}");
    public static final int MAX_ATTRIBUTES = 32;
    public static final int MAX_ATTRIBUTE_VALUE = 100;

    private DeviceIds() {}

    public static String name(String what, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw Refusal.badRequest(
                    what
                            + " must be 1-64 characters of letters, digits, '.', '_', ':' or '-'"
                            + " starting with a letter or digit");
        }
        return value;
    }

    public static String fingerprint(String value) {
        if (value == null) return null;
        String v = value.replace(":", "").toLowerCase(java.util.Locale.ROOT);
        if (!HEX64.matcher(v).matches())
            throw Refusal.badRequest("fingerprint must be a SHA-256 in hex");
        return v;
    }

    public static void attributes(java.util.Map<String, String> attrs) {
        if (attrs.size() > MAX_ATTRIBUTES)
            throw Refusal.badRequest("at most " + MAX_ATTRIBUTES + " attributes");
        attrs.forEach(
                (k, v) -> {
                    if (!ATTR_KEY.matcher(k).matches()) {
                        throw Refusal.badRequest(
                                "attribute name '" + k + "' must match " + ATTR_KEY.pattern());
                    }
                    if (v == null || v.length() > MAX_ATTRIBUTE_VALUE) {
                        throw Refusal.badRequest(
                                "attribute "
                                        + k
                                        + " must have a value of at most "
                                        + MAX_ATTRIBUTE_VALUE
                                        + " characters");
                    }
                });
    }
}
