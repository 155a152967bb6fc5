package dev.meerkat.boot.sim;

import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.RootOfTrust;
import dev.meerkat.image.Dependency;
import dev.meerkat.image.ImageSigner;
import dev.meerkat.image.ImageVersion;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.SigningKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Signed firmware images for simulations, made with the real {@link ImageSigner}. Two signing keys
 * are provisioned (key rotation); a third, {@link #rogueKey()}, is not. The payload starts with a
 * tag naming the image's {@link Behavior}, which the simulated firmware reads back from flash.
 */
public final class SimImages {

    /** Header size of simulated images. */
    public static final int HEADER_SIZE = 0x200;

    private static final String TAG = "MEERKAT-SIMFW behavior=";

    /**
     * A built image.
     *
     * @param label name used in reports
     * @param version header version
     * @param counter security counter
     * @param behavior what it does on a test boot
     * @param bytes the signed image
     * @param hash its SHA-256 (as in its SHA256 TLV)
     */
    public record Image(
            String label,
            ImageVersion version,
            long counter,
            Behavior behavior,
            byte[] bytes,
            byte[] hash) {
        public Image {
            bytes = bytes.clone();
            hash = hash.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public byte[] hash() {
            return hash.clone();
        }

        /** First bytes of the hash, hex, as boot records keep them. */
        public String hashPrefix() {
            return HexFormat.of().formatHex(hash, 0, 6);
        }
    }

    private final SigningKey key1;
    private final SigningKey key2;
    private final SigningKey rogue;
    private final int payloadSize;
    private final Map<String, Image> byLabel = new LinkedHashMap<>();
    private final Map<String, Image> byHashPrefix = new LinkedHashMap<>();

    /** Fresh Ed25519 keys; images of {@code payloadSize} payload bytes. */
    public SimImages(int payloadSize) {
        this.key1 = SigningKey.generate(KeyType.ED25519);
        this.key2 = SigningKey.generate(KeyType.ED25519);
        this.rogue = SigningKey.generate(KeyType.ED25519);
        this.payloadSize = payloadSize;
    }

    /** The device provisioning: both legitimate keys, as full public keys. */
    public RootOfTrust rootOfTrust() {
        return RootOfTrust.of(
                ProvisionedKey.publicKey(key1.verificationKey().publicKey().getEncoded()),
                ProvisionedKey.publicKey(key2.verificationKey().publicKey().getEncoded()));
    }

    /** Provisioning with the second key as a KEYHASH only. */
    public RootOfTrust rootOfTrustWithKeyHash() {
        return RootOfTrust.of(
                ProvisionedKey.publicKey(key1.verificationKey().publicKey().getEncoded()),
                ProvisionedKey.keyHash(key2.verificationKey().keyHash()));
    }

    public SigningKey key1() {
        return key1;
    }

    public SigningKey key2() {
        return key2;
    }

    /** A key the device does not trust. */
    public SigningKey rogueKey() {
        return rogue;
    }

    /** The standard images used by the scenarios, built on first use. */
    public Image standard(String label) {
        Image cached = byLabel.get(label);
        if (cached != null) {
            return cached;
        }
        return switch (label) {
            case "v1" ->
                    build(
                            label,
                            "1.0.0",
                            1,
                            Behavior.COMMIT,
                            key1,
                            List.of(),
                            ImageSigner.PublicKeyFormat.HASH);
            case "v2" ->
                    build(
                            label,
                            "1.1.0",
                            2,
                            Behavior.COMMIT,
                            key2,
                            List.of(),
                            ImageSigner.PublicKeyFormat.HASH);
            case "v2-auto" ->
                    build(
                            label,
                            "1.1.1",
                            2,
                            Behavior.AUTO_COMMIT,
                            key2,
                            List.of(),
                            ImageSigner.PublicKeyFormat.HASH);
            case "v3" ->
                    build(
                            label,
                            "1.2.0",
                            3,
                            Behavior.COMMIT,
                            key1,
                            List.of(),
                            ImageSigner.PublicKeyFormat.HASH);
            case "v3-fail-init" ->
                    build(
                            label,
                            "1.2.1",
                            3,
                            Behavior.FAIL_INIT,
                            key1,
                            List.of(),
                            ImageSigner.PublicKeyFormat.HASH);
            case "v3-hang" ->
                    build(
                            label,
                            "1.2.2",
                            3,
                            Behavior.HANG,
                            key1,
                            List.of(),
                            ImageSigner.PublicKeyFormat.HASH);
            case "v3-revert" ->
                    build(
                            label,
                            "1.2.3",
                            3,
                            Behavior.REVERT,
                            key2,
                            List.of(),
                            ImageSigner.PublicKeyFormat.HASH);
            default -> throw new IllegalArgumentException("no standard image " + label);
        };
    }

    /** A COMMIT image numbered {@code n} for long update series (version 1.5.n, counter 2). */
    public Image series(int n) {
        String label = "s" + n;
        Image cached = byLabel.get(label);
        return cached != null
                ? cached
                : build(
                        label,
                        "1.5." + n,
                        2,
                        Behavior.COMMIT,
                        n % 2 == 0 ? key1 : key2,
                        List.of(),
                        ImageSigner.PublicKeyFormat.HASH);
    }

    /** Builds, signs and remembers an image. */
    public Image build(
            String label,
            String version,
            long counter,
            Behavior behavior,
            SigningKey key,
            List<Dependency> deps,
            ImageSigner.PublicKeyFormat keyFormat) {
        byte[] payload = payload(label, behavior);
        ImageSigner.Builder b =
                ImageSigner.builder()
                        .headerSize(HEADER_SIZE)
                        .padHeader(true)
                        .version(ImageVersion.parse(version))
                        .securityCounter(counter)
                        .dependencies(deps)
                        .publicKeyFormat(keyFormat);
        if (key != null) {
            b.signer(key);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageSigner.Result r =
                    b.build().sign(new ByteArrayInputStream(payload), payload.length, out, n -> {});
            Image img =
                    new Image(
                            label,
                            ImageVersion.parse(version),
                            counter,
                            behavior,
                            out.toByteArray(),
                            r.digest());
            byLabel.put(label, img);
            byHashPrefix.put(img.hashPrefix(), img);
            return img;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] payload(String label, Behavior behavior) {
        byte[] p = new byte[payloadSize];
        new Random(label.hashCode()).nextBytes(p);
        byte[] tag =
                (TAG + behavior.name() + ";label=" + label + ";")
                        .getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(tag, 0, p, 0, tag.length);
        return p;
    }

    /** The behaviour encoded in an image payload's first bytes. */
    public static Behavior behaviorOf(byte[] payloadStart) {
        String s = new String(payloadStart, StandardCharsets.US_ASCII);
        int at = s.indexOf(TAG);
        if (at < 0) {
            return Behavior.COMMIT;
        }
        String rest = s.substring(at + TAG.length());
        int end = rest.indexOf(';');
        try {
            return Behavior.valueOf(end < 0 ? rest : rest.substring(0, end));
        } catch (IllegalArgumentException e) {
            return Behavior.COMMIT;
        }
    }

    /** The image whose SHA-256 starts with the 6 bytes {@code prefix}, if it was built here. */
    public Optional<Image> byHashPrefix(byte[] prefix) {
        return Optional.ofNullable(byHashPrefix.get(HexFormat.of().formatHex(prefix, 0, 6)));
    }

    /** SHA-256 of arbitrary bytes. */
    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
