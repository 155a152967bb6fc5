package dev.meerkat.firmware.app;

import dev.meerkat.image.DigestSigner;
import dev.meerkat.image.EncryptionKey;
import dev.meerkat.image.ImageSigner;
import dev.meerkat.image.ImageVersion;
import dev.meerkat.image.Tlv;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Firmware images of the emulated device: MCUboot images whose payload is an {@link AppBundle} JAR
 * and whose protected TLVs carry the security counter and the target platform.
 */
public final class FirmwareImage {

    /** Header size of firmware images. */
    public static final int HEADER_SIZE = 0x200;

    /**
     * Protected custom TLV holding the platform name (UTF-8), checked before an update is written.
     */
    public static final int PLATFORM_TLV = 0xA0;

    /** The platform of the emulated device. */
    public static final String PLATFORM = "meerkat-sim";

    private FirmwareImage() {}

    /**
     * Signs {@code bundle} into an image.
     *
     * @param encryptFor device key to encrypt for (AES-128), or null for a plaintext image
     */
    public static byte[] build(
            AppBundle bundle,
            String version,
            long securityCounter,
            String platform,
            DigestSigner key,
            EncryptionKey encryptFor) {
        return build(bundle.toJar(), version, securityCounter, platform, key, encryptFor);
    }

    /** Signs an already packed bundle JAR. */
    public static byte[] build(
            byte[] jar,
            String version,
            long securityCounter,
            String platform,
            DigestSigner key,
            EncryptionKey encryptFor) {
        ImageSigner.Builder b =
                ImageSigner.builder()
                        .headerSize(HEADER_SIZE)
                        .padHeader(true)
                        .version(ImageVersion.parse(version))
                        .securityCounter(securityCounter)
                        .customTlv(
                                new Tlv(PLATFORM_TLV, platform.getBytes(StandardCharsets.UTF_8)));
        if (key != null) {
            b.signer(key);
        }
        if (encryptFor != null) {
            b.encryptFor(encryptFor, 128);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(jar.length + 1024);
        try {
            b.build().sign(new ByteArrayInputStream(jar), jar.length, out, n -> {});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * A version as people write it: {@code 1.2.3}, with {@code +build} only when the build is not
     * 0.
     */
    public static String versionString(ImageVersion v) {
        String s = v.major() + "." + v.minor() + "." + v.revision();
        return v.build() == 0 ? s : s + "+" + v.build();
    }
}
