package dev.meerkat.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.audit.ChainedEntry;
import java.util.List;

/**
 * Recomputes an exported audit hash chain of either service ({@link ChainedEntry} is the format).
 * Each entry's prevHash is the previous entry's hash; the first entry of the log (seq 1) has the
 * genesis value. The signing service's entries name an {@code artifact}, the fleet service's a
 * {@code subject} (device, deployment...) in the same place of the hash; an entry never carries
 * both.
 */
public final class AuditChain {
    public static final String GENESIS = ChainedEntry.GENESIS;

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
            } else if (i == 0
                    && seq == 1
                    && !ChainedEntry.sameHash(GENESIS, e.path("prevHash").asText())) {
                why = "the first entry's prevHash is not the genesis value";
            } else if (prev != null && !ChainedEntry.sameHash(prev, e.path("prevHash").asText())) {
                why = "prevHash does not match the hash of entry " + (seq - 1) + " (chain broken)";
            } else if (e.has("artifact") && e.has("subject")) {
                why = "the entry carries both an artifact and a subject";
            } else {
                String computed = hash(e);
                if (!ChainedEntry.sameHash(computed, e.path("hash").asText())) {
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
        JsonNode subject = e.has("artifact") ? e.get("artifact") : e.get("subject");
        return new ChainedEntry(
                        e.path("seq").asLong(),
                        text(e.get("at")),
                        text(e.get("actor")),
                        text(e.get("roles")),
                        text(e.get("action")),
                        text(e.get("keyId")),
                        text(e.get("keyVersion")),
                        text(subject),
                        text(e.get("decision")),
                        text(e.get("result")),
                        text(e.get("detail")),
                        text(e.get("prevHash")))
                .hash();
    }

    private static String text(JsonNode v) {
        return v == null || v.isNull() ? null : v.asText();
    }
}
