package dev.meerkat.signing.audit;

import dev.meerkat.audit.ChainedEntry;

/**
 * One audit log entry; {@code hash} is the chain's hash of the other fields ({@link ChainedEntry},
 * the artifact in the subject's place).
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

    public static final String GENESIS = ChainedEntry.GENESIS;

    /** Recomputes the hash of this entry's content and {@code prevHash}. */
    public String computeHash() {
        return new ChainedEntry(
                        seq,
                        at,
                        actor,
                        roles,
                        action,
                        keyId,
                        keyVersion == null ? null : keyVersion.toString(),
                        artifact,
                        decision,
                        result,
                        detail,
                        prevHash)
                .hash();
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
}
