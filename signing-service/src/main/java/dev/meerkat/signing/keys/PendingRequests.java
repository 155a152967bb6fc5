package dev.meerkat.signing.keys;

import java.util.List;

/**
 * Work waiting on a key that must stop when the key is marked compromised. Implemented where the
 * requests live, so the key aggregate does not depend on the signing workflow.
 */
public interface PendingRequests {

    /** Cancels the pending requests against {@code keyId}; returns their ids. */
    List<String> cancelFor(String keyId, String reason);
}
