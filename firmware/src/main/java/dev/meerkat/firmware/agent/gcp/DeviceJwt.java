package dev.meerkat.firmware.agent.gcp;

import dev.meerkat.chip.CryptoChip;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;

/**
 * The MQTT password of Cloud IoT Core: a compact ES256 JWT with {@code aud} = project, {@code iat}
 * and {@code exp}. The host hashes the signing input; the crypto chip signs the digest with the
 * device key, which never leaves it (the chip's raw r‖s is exactly JWS's ES256 form).
 */
public final class DeviceJwt {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final String HEADER =
            B64.encodeToString(
                    "{\"alg\":\"ES256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));

    private DeviceJwt() {}

    public static String es256(
            CryptoChip chip, int slot, String project, Instant iat, Instant exp) {
        if (!project.matches("[A-Za-z0-9._~-]{1,128}"))
            throw new IllegalArgumentException("not a project id: " + project);
        String claims =
                "{\"aud\":\""
                        + project
                        + "\",\"iat\":"
                        + iat.getEpochSecond()
                        + ",\"exp\":"
                        + exp.getEpochSecond()
                        + "}";
        String input = HEADER + "." + B64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        byte[] signature = chip.sign(slot, sha256(input.getBytes(StandardCharsets.US_ASCII)));
        if (signature.length != 64)
            throw new IllegalStateException(
                    "the chip returned a " + signature.length + "-byte signature");
        return input + "." + B64.encodeToString(signature);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
