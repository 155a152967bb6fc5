package dev.meerkat.fleet.gcp;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code projects/{p}/locations/{l}/registries/{r}/devices/{d}}: the REST resource name of a
 * device, and the MQTT client id a device connects with.
 */
public record DeviceName(RegistryName registry, String device) {
    private static final Pattern FULL =
            Pattern.compile(
                    "projects/([^/]+)/locations/([^/]+)/registries/([^/]+)/devices/([^/]+)");

    public DeviceName {
        ResourceIds.id("device", device);
    }

    /**
     * Parses a full name; empty when {@code text} is not one (the caller decides how to refuse).
     */
    public static Optional<DeviceName> parse(String text) {
        if (text == null) return Optional.empty();
        Matcher m = FULL.matcher(text);
        if (!m.matches()) return Optional.empty();
        try {
            return Optional.of(
                    new RegistryName(m.group(1), m.group(2), m.group(3)).device(m.group(4)));
        } catch (IotCoreException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return registry + "/devices/" + device;
    }
}
