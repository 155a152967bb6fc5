package dev.meerkat.firmware.examples;

import dev.meerkat.firmware.app.AppBundle;
import dev.meerkat.firmware.app.FirmwareImage;
import dev.meerkat.image.DigestSigner;
import dev.meerkat.image.EncryptionKey;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The example applications as bundles and signed images: {@code v1} (telemetry), {@code v2}
 * (telemetry with humidity, security counter 2) and {@code v2-broken} (init throws).
 */
public final class ExampleApps {

    /** Names of the examples. */
    public static final List<String> NAMES = List.of("v1", "v2", "v2-broken");

    private ExampleApps() {}

    /** The bundle of example {@code name}; {@code padTo} grows it with a data file (0 for none). */
    public static AppBundle bundle(String name, int padTo) {
        AppBundle.Builder b =
                switch (name) {
                    case "v1" ->
                            AppBundle.builder("telemetry", "1.0.0", TelemetrySensor.class)
                                    .conf0("{\"app\": {\"interval_ms\": 1000}}");
                    case "v2" ->
                            AppBundle.builder("telemetry", "2.0.0", TelemetrySensorV2.class)
                                    .conf0("{\"app\": {\"interval_ms\": 1000, \"unit\": \"C\"}}");
                    case "v2-broken" ->
                            AppBundle.builder("telemetry", "2.0.1", BrokenSensor.class)
                                    .conf0("{\"app\": {\"interval_ms\": 1000, \"i2c_addr\": 64}}");
                    default ->
                            throw new IllegalArgumentException(
                                    "no example " + name + "; known: " + NAMES);
                };
        b.file(
                "README.txt",
                ("Meerkat example application " + name + "\n").getBytes(StandardCharsets.UTF_8));
        AppBundle small = b.build();
        int size = small.toJar().length;
        if (padTo > size) {
            // stored uncompressible data, so the image really is about padTo bytes
            byte[] data = new byte[padTo - size];
            new java.util.Random(name.hashCode()).nextBytes(data);
            b.file("calibration.bin", data);
        }
        return b.build();
    }

    /** Image version of example {@code name}. */
    public static String version(String name) {
        return switch (name) {
            case "v1" -> "1.0.0";
            case "v2" -> "2.0.0";
            case "v2-broken" -> "2.0.1";
            default -> throw new IllegalArgumentException("no example " + name);
        };
    }

    /** Security counter of example {@code name}: 1 for v1, 2 for the v2s. */
    public static long securityCounter(String name) {
        return name.equals("v1") ? 1 : 2;
    }

    /** Signed image of example {@code name} for the emulated platform. */
    public static byte[] image(String name, DigestSigner key, EncryptionKey encryptFor, int padTo) {
        return FirmwareImage.build(
                bundle(name, padTo),
                version(name),
                securityCounter(name),
                FirmwareImage.PLATFORM,
                key,
                encryptFor);
    }
}
