package dev.meerkat.fleet;

import dev.meerkat.image.ImageSigner;
import dev.meerkat.image.ImageVersion;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.SigningKey;
import dev.meerkat.image.Tlv;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Release signing keys for the tests and signed MCUboot images as Meerkat firmware builds them. */
public final class TestReleases {
    /** The key the service under test trusts. */
    public static final SigningKey TRUSTED = SigningKey.generate(KeyType.ECDSA_P256);

    /** A key it does not. */
    public static final SigningKey STRANGER = SigningKey.generate(KeyType.ECDSA_P256);

    public static final String PLATFORM = "meerkat-sim";
    private static Path keyDir;

    private TestReleases() {}

    public static synchronized Path trustedKeyDir() {
        if (keyDir == null) {
            try {
                keyDir =
                        Files.createDirectories(
                                Path.of("target", "test-release-keys").toAbsolutePath());
                Files.writeString(
                        keyDir.resolve("release.pem"),
                        TRUSTED.verificationKey().toPem(),
                        StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return keyDir;
    }

    public static byte[] image(
            String version, long securityCounter, String platform, SigningKey key) {
        byte[] payload =
                ("firmware " + version + " ").repeat(400).getBytes(StandardCharsets.US_ASCII);
        ImageSigner.Builder b =
                ImageSigner.builder()
                        .headerSize(0x200)
                        .padHeader(true)
                        .version(ImageVersion.parse(version))
                        .securityCounter(securityCounter)
                        .signer(key);
        if (platform != null) b.customTlv(new Tlv(0xA0, platform.getBytes(StandardCharsets.UTF_8)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            b.build().sign(new ByteArrayInputStream(payload), payload.length, out, n -> {});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] image(String version) {
        return image(version, 1, PLATFORM, TRUSTED);
    }
}
