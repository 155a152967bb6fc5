package dev.meerkat.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Recomputes the signing service's audit hash chain. An entry's hash is SHA-256 over {@code
 * meerkat-audit-v1} and the fields seq, at, actor, roles, action, keyId, keyVersion, artifact,
 * decision, result, detail, prevHash, each as a 4-byte big-endian length and UTF-8 bytes
 * (0xFFFFFFFF for null; numbers in decimal). Each entry's prevHash is the previous entry's hash;
 * the first entry of the log (seq 1) has 64 zeros. The fleet service writes the same chain; its
 * entries name a {@code subject} (device, deployment...) where the signing service's name an {@code
 * artifact}, in the same place of the hash, and an entry never carries both.
 */
public final class AuditChain {
    public static final String GENESIS = "0".repeat(64);
    private static final String[] FIELDS = {
        "seq",
        "at",
        "actor",
        "roles",
        "action",
        "keyId",
        "keyVersion",
        "artifact",
        "decision",
        "result",
        "detail",
        "prevHash"
    };

    private AuditChain() {}

    /** The outcome: null {@code broken} when intact, otherwise the first bad entry and why. */
    public record Result(
            int checked,
            long firstSeq,
            long lastSeq,
            String head,
            Long brokenSeq,
            int brokenIndex,
            String problem) {
        public boolean intact() {
            return problem == null;
        }
    }

    public static Result verify(List<JsonNode> entries) {
        String prev = null;
        long expectSeq = -1;
        long first = entries.isEmpty() ? 0 : entries.get(0).path("seq").asLong();
        for (int i = 0; i < entries.size(); i++) {
            JsonNode e = entries.get(i);
            long seq = e.path("seq").asLong(-1);
            String why = null;
            if (seq < 1) {
                why = "missing or invalid seq";
            } else if (expectSeq >= 0 && seq != expectSeq) {
                why =
                        "sequence gap: expected seq "
                                + expectSeq
                                + ", found "
                                + seq
                                + " (entries removed or reordered)";
            } else if (i == 0 && seq == 1 && !GENESIS.equals(e.path("prevHash").asText())) {
                why = "the first entry's prevHash is not the genesis value";
            } else if (prev != null && !prev.equals(e.path("prevHash").asText())) {
                why = "prevHash does not match the hash of entry " + (seq - 1) + " (chain broken)";
            } else if (e.has("artifact") && e.has("subject")) {
                why = "the entry carries both an artifact and a subject";
            } else {
                String computed = hash(e);
                if (!computed.equals(e.path("hash").asText())) {
                    why = "content does not match its hash (entry altered): computed " + computed;
                }
            }
            if (why != null) return new Result(i, first, seq, prev, seq, i, why);
            prev = e.path("hash").asText();
            expectSeq = seq + 1;
        }
        return new Result(
                entries.size(),
                first,
                expectSeq - 1,
                prev == null ? GENESIS : prev,
                null,
                -1,
                null);
    }

    public static String hash(JsonNode e) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(256);
        b.writeBytes("meerkat-audit-v1".getBytes(StandardCharsets.US_ASCII));
        for (String f : FIELDS) {
            JsonNode v = e.get(f);
            if (v == null && f.equals("artifact")) v = e.get("subject");
            if (v == null || v.isNull()) {
                b.writeBytes(new byte[] {-1, -1, -1, -1});
                continue;
            }
            byte[] bytes = v.asText().getBytes(StandardCharsets.UTF_8);
            int n = bytes.length;
            b.writeBytes(
                    new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
            b.writeBytes(bytes);
        }
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(b.toByteArray()));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
