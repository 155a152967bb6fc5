package dev.meerkat.fleet.gcp;

import java.util.regex.Pattern;

/** The identifier rules of Cloud IoT Core resource names, checked before anything is stored. */
public final class ResourceIds {
    /**
     * Registry and device ids: a letter, then 2 to 254 of letters, digits and {@code - . _ + ~ %}.
     */
    private static final Pattern ID = Pattern.compile("[a-zA-Z][a-zA-Z0-9._+~%-]{2,254}");

    /** Project ids and numbers, and location ids. */
    private static final Pattern SCOPE = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}");

    private ResourceIds() {}

    public static String id(String kind, String value) {
        if (value == null || !ID.matcher(value).matches()) {
            throw IotCoreException.invalid(
                    "invalid "
                            + kind
                            + " id '"
                            + clip(value)
                            + "': 3 to 255 characters, starting with a letter, of letters, digits and - . _ + ~ %");
        }
        return value;
    }

    public static String scope(String kind, String value) {
        if (value == null || !SCOPE.matcher(value).matches()) {
            throw IotCoreException.invalid("invalid " + kind + " '" + clip(value) + "'");
        }
        return value;
    }

    private static String clip(String s) {
        if (s == null) return "";
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
