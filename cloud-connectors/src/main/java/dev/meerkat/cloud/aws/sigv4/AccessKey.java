package dev.meerkat.cloud.aws.sigv4;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * One configured access key: its id, its secret and the principal it stands for. The secret never
 * appears in {@link #toString()}.
 */
public final class AccessKey {

    private static final Pattern ID = Pattern.compile("[A-Z0-9]{16,128}");

    private final String accessKeyId;
    private final byte[] secret;
    private final String principal;

    public AccessKey(String accessKeyId, String secretAccessKey, String principal) {
        if (accessKeyId == null || !ID.matcher(accessKeyId).matches()) {
            throw new IllegalArgumentException("access key id must be 16..128 characters [A-Z0-9]");
        }
        if (secretAccessKey == null || secretAccessKey.length() < 16) {
            throw new IllegalArgumentException(
                    "secret access key of " + accessKeyId + " is shorter than 16 characters");
        }
        if (principal == null || principal.isBlank()) {
            throw new IllegalArgumentException("access key " + accessKeyId + " has no principal");
        }
        this.accessKeyId = accessKeyId;
        this.secret = ("AWS4" + secretAccessKey).getBytes(StandardCharsets.UTF_8);
        this.principal = principal;
    }

    public String accessKeyId() {
        return accessKeyId;
    }

    public String principal() {
        return principal;
    }

    /** "AWS4" + secret, the first HMAC key of the signing-key derivation. */
    byte[] signingKeySeed() {
        return secret.clone();
    }

    @Override
    public String toString() {
        return "AccessKey[" + accessKeyId + " -> " + principal + ", secret redacted]";
    }
}
