package dev.meerkat.signing.checkpoint;

import java.nio.charset.StandardCharsets;

/**
 * A signed statement "the audit chain's entry {@code seq} has hash {@code hash}" made at {@code
 * at}. {@code signature} is ECDSA P-256 with SHA-256 (DER, base64) over {@link #message()}: {@code
 * meerkat-audit-checkpoint-v1}, seq in decimal, hash, at, each followed by a newline.
 */
public record Checkpoint(long seq, String hash, String at, String keyId, String signature) {
    public static final String DOMAIN = "meerkat-audit-checkpoint-v1";

    public byte[] message() {
        return message(seq, hash, at);
    }

    public static byte[] message(long seq, String hash, String at) {
        return (DOMAIN + "\n" + seq + "\n" + hash + "\n" + at + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }
}
