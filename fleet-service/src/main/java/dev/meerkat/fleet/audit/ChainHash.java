package dev.meerkat.fleet.audit;

import dev.meerkat.audit.ChainedEntry;

/**
 * The hash of one fleet audit entry in the chain format both services share ({@link ChainedEntry}),
 * so that {@code meerkat audit verify} checks both: a fleet entry has no key, decision or result.
 */
final class ChainHash {
    static final String GENESIS = ChainedEntry.GENESIS;

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
        return new ChainedEntry(
                        seq, at, actor, roles, action, null, null, subject, null, null, detail,
                        prevHash)
                .hash();
    }
}
