package dev.meerkat.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What the audit hash chain covers of one entry, in both services: the signing service's entries
 * name an artifact where the fleet service's name a subject (device, deployment…), in the same
 * place of the hash; the fleet service's have no key, decision or result.
 *
 * <p>The hash ({@code meerkat-audit-v1}) is SHA-256 over the domain tag {@code meerkat-audit-v1}
 * and the twelve fields in this record's order, each as a 4-byte big-endian length and its UTF-8
 * bytes, 0xFFFFFFFF for an absent field; numbers in decimal. {@code prevHash} is the previous
 * entry's hash, {@link #GENESIS} for the first entry. {@code meerkat audit verify} recomputes it
 * from either service's export, so changing anything here breaks every stored chain.
 */
public record ChainedEntry(
        long seq,
        String at,
        String actor,
        String roles,
        String action,
        String keyId,
        String keyVersion,
        String subject,
        String decision,
        String result,
        String detail,
        String prevHash) {

    /** The previous hash of the first entry of a log. */
    public static final String GENESIS = "0".repeat(64);

    private static final byte[] DOMAIN = "meerkat-audit-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ABSENT = {-1, -1, -1, -1};

    /** This entry's hash, lower-case hex. */
    public String hash() {
        ByteArrayOutputStream b = new ByteArrayOutputStream(256);
        b.writeBytes(DOMAIN);
        field(b, Long.toString(seq));
        field(b, at);
        field(b, actor);
        field(b, roles);
        field(b, action);
        field(b, keyId);
        field(b, keyVersion);
        field(b, subject);
        field(b, decision);
        field(b, result);
        field(b, detail);
        field(b, prevHash);
        return HexFormat.of().formatHex(sha256().digest(b.toByteArray()));
    }

    /**
     * Whether {@code claimed} is this entry's hash. The comparison takes the same time wherever the
     * strings differ, as every hash comparison here does.
     */
    public boolean hashMatches(String claimed) {
        return sameHash(hash(), claimed);
    }

    /** Compares two hex hashes in time that does not depend on where they differ. */
    public static boolean sameHash(String a, String b) {
        if (a == null || b == null) return false;
        return MessageDigest.isEqual(
                a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }

    private static void field(ByteArrayOutputStream b, String s) {
        if (s == null) {
            b.writeBytes(ABSENT);
            return;
        }
        byte[] v = s.getBytes(StandardCharsets.UTF_8);
        int n = v.length;
        b.writeBytes(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        b.writeBytes(v);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
