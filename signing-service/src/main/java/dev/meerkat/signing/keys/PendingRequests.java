package dev.meerkat.signing.keys;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Work waiting on a key that must stop when the key is marked compromised. Implemented where the
 * requests live, so the key aggregate does not depend on the signing workflow.
 */
public interface PendingRequests {

    /**
     * Cancels the pending requests against {@code keyId} on {@code c} (the caller's transaction);
     * returns their ids.
     */
    List<String> cancelFor(Connection c, String keyId, String reason) throws SQLException;
}
