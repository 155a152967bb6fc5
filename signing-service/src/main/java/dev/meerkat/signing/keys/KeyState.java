package dev.meerkat.signing.keys;

/** Lifecycle of a key and of each of its versions. */
public final class KeyState {
    /** Signs (the key's current version). */
    public static final String ACTIVE = "active";

    /** An older version after a rotation: its public key stays exported for verification. */
    public static final String VERIFY_ONLY = "verify-only";

    /** No longer signs; public keys remain exportable. */
    public static final String RETIRED = "retired";

    /** Must not be trusted: never signs again, pending requests are cancelled. */
    public static final String COMPROMISED = "compromised";

    private KeyState() {}
}
