package dev.meerkat.signing.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One audit log entry. {@code hash} is SHA-256 over the domain tag {@code meerkat-audit-v1}
 * followed by every other field in declaration order, each as a 4-byte big-endian length and its
 * UTF-8 bytes (length 0xFFFFFFFF for an absent field); numbers are written in decimal. {@code
 * prevHash} is the previous entry's hash, 64 zeros for the first entry.
 */
public record AuditEntry(
        long seq,
        String at,
        String actor,
        String roles,
        String action,
        String keyId,
        Integer keyVersion,
        String artifact,
        String decision,
        String result,
        String detail,
        String prevHash,
        String hash) {

    public static final String GENESIS = "0".repeat(64);
    private static final byte[] DOMAIN = "meerkat-audit-v1".getBytes(StandardCharsets.US_ASCII);

    /** Recomputes the hash of this entry's content and {@code prevHash}. */
    public String computeHash() {
        ByteArrayOutputStream b = new ByteArrayOutputStream(256);
        b.writeBytes(DOMAIN);
        field(b, Long.toString(seq));
        field(b, at);
        field(b, actor);
        field(b, roles);
        field(b, action);
        field(b, keyId);
        field(b, keyVersion == null ? null : keyVersion.toString());
        field(b, artifact);
        field(b, decision);
        field(b, result);
        field(b, detail);
        field(b, prevHash);
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(b.toByteArray()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    AuditEntry withChain(String prev) {
        AuditEntry e =
                new AuditEntry(
                        seq,
                        at,
                        actor,
                        roles,
                        action,
                        keyId,
                        keyVersion,
                        artifact,
                        decision,
                        result,
                        detail,
                        prev,
                        null);
        return new AuditEntry(
                seq,
                at,
                actor,
                roles,
                action,
                keyId,
                keyVersion,
                artifact,
                decision,
                result,
                detail,
                prev,
                e.computeHash());
    }

    private static void field(ByteArrayOutputStream b, String s) {
        if (s == null) {
            b.writeBytes(new byte[] {-1, -1, -1, -1});
            return;
        }
        byte[] v = s.getBytes(StandardCharsets.UTF_8);
        int n = v.length;
        b.writeBytes(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        b.writeBytes(v);
    }
}
