package dev.meerkat.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/**
 * Where an audit export must start and end. It starts at seq 1 with the zero hash, or right after a
 * signed checkpoint given with {@code --from}; it ends exactly at the signed checkpoint it carries.
 * A checkpoint is ECDSA P-256/SHA-256 over {@code
 * meerkat-audit-checkpoint-v1\n<seq>\n<hash>\n<at>\n}, made by the service's own checkpoint key.
 */
public final class AuditAnchor {
    private AuditAnchor() {}

    /**
     * A checkpoint as exported: sequence number, chain hash there, time, signature (base64 DER).
     */
    public record Checkpoint(long seq, String hash, String at, String signature) {
        static Checkpoint of(JsonNode n) {
            if (n == null
                    || !n.isObject()
                    || !n.hasNonNull("seq")
                    || !n.hasNonNull("hash")
                    || !n.hasNonNull("at")
                    || !n.hasNonNull("signature")) {
                return null;
            }
            return new Checkpoint(
                    n.get("seq").asLong(),
                    n.get("hash").asText(),
                    n.get("at").asText(),
                    n.get("signature").asText());
        }

        byte[] message() {
            return ("meerkat-audit-checkpoint-v1\n" + seq + "\n" + hash + "\n" + at + "\n")
                    .getBytes(StandardCharsets.UTF_8);
        }
    }

    public static Checkpoint parse(JsonNode n, String what) {
        Checkpoint cp = Checkpoint.of(n);
        if (cp == null)
            throw new IllegalArgumentException(
                    what + ": not a checkpoint (seq, hash, at, signature)");
        return cp;
    }

    public static PublicKey key(String pem) {
        String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("EC")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(b64)));
        } catch (Exception e) {
            throw new IllegalArgumentException("not an EC public key PEM: " + e.getMessage(), e);
        }
    }

    public static boolean signedBy(Checkpoint cp, PublicKey key) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initVerify(key);
            s.update(cp.message());
            return s.verify(Base64.getDecoder().decode(cp.signature()));
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Null when the verified chain {@code r} of {@code entries} starts at {@code from} (or at the
     * beginning of the log) and ends at {@code head}; otherwise what is wrong, in one line.
     */
    public static String problem(
            List<JsonNode> entries, AuditChain.Result r, Checkpoint from, Checkpoint head) {
        long startSeq = from == null ? 1 : from.seq() + 1;
        String startHash = from == null ? AuditChain.GENESIS : from.hash();
        if (entries.isEmpty()) {
            if (head.seq() != startSeq - 1) {
                return "the export holds no entries, but its checkpoint covers the chain up to seq "
                        + head.seq();
            }
            return head.hash().equals(startHash)
                    ? null
                    : "the checkpoint's hash does not match the starting point";
        }
        JsonNode first = entries.get(0);
        if (first.path("seq").asLong() != startSeq) {
            return "the export starts at seq "
                    + first.path("seq").asLong()
                    + ", not "
                    + startSeq
                    + (from == null
                            ? " (entries removed from the start; give --from CHECKPOINT to verify a later part)"
                            : " (right after the --from checkpoint)");
        }
        if (!startHash.equals(first.path("prevHash").asText())) {
            return "entry seq "
                    + startSeq
                    + " does not link to "
                    + (from == null ? "the zero hash" : "the --from checkpoint");
        }
        if (r.lastSeq() != head.seq()) {
            return "the export ends at seq "
                    + r.lastSeq()
                    + ", but its signed checkpoint is at seq "
                    + head.seq()
                    + " (entries removed from the end, or added after it)";
        }
        if (!r.head().equals(head.hash())) {
            return "the chain's head hash at seq "
                    + head.seq()
                    + " is not the one the checkpoint signed"
                    + " (chain edited and re-hashed)";
        }
        return null;
    }
}
