package dev.meerkat.fleet.release;

/**
 * The object store did not answer (connection refused, timed out, or a server error): nothing was
 * read or stored, and the same request may succeed once it is back. The web layer answers 503.
 */
public final class ObjectStoreUnavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ObjectStoreUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
