package dev.meerkat.fleet.audit;

import java.nio.charset.StandardCharsets;

/**
 * A signed statement "the audit chain's entry {@code seq} has hash {@code hash}", made at {@code
 * at}: ECDSA P-256 with SHA-256 (DER, base64) over {@link #message()}, the signing service's
 * checkpoint format ({@code meerkat-audit-checkpoint-v1}, seq, hash, at, each ended by a newline).
 */
public record Checkpoint(long seq, String hash, String at, String keyId, String signature) {
    static final String DOMAIN = "meerkat-audit-checkpoint-v1";

    static byte[] message(long seq, String hash, String at) {
        return (DOMAIN + "\n" + seq + "\n" + hash + "\n" + at + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }
}
