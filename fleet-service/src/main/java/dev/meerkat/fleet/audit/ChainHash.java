package dev.meerkat.fleet.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hash of one audit entry, in the signing service's chain format so that {@code meerkat audit
 * verify} checks both services: SHA-256 over {@code meerkat-audit-v1} and the twelve fields seq,
 * at, actor, roles, action, keyId, keyVersion, artifact, decision, result, detail, prevHash, each
 * as a 4-byte big-endian length and its UTF-8 bytes (0xFFFFFFFF for an absent field). A fleet entry
 * has no key, decision or result (absent); its subject takes the artifact's place.
 */
final class ChainHash {
    static final String GENESIS = "0".repeat(64);
    private static final byte[] DOMAIN = "meerkat-audit-v1".getBytes(StandardCharsets.US_ASCII);

    private ChainHash() {}

    static String of(
            long seq,
            String at,
            String actor,
            String roles,
            String action,
            String subject,
            String detail,
            String prevHash) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(256);
        b.writeBytes(DOMAIN);
        field(b, Long.toString(seq));
        field(b, at);
        field(b, actor);
        field(b, roles);
        field(b, action);
        field(b, null); // keyId
        field(b, null); // keyVersion
        field(b, subject);
        field(b, null); // decision
        field(b, null); // result
        field(b, detail);
        field(b, prevHash);
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(b.toByteArray()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
