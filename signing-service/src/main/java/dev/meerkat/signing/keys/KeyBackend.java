package dev.meerkat.signing.keys;

import dev.meerkat.image.KeyType;
import java.security.PublicKey;

/**
 * Where private keys live. Implementations generate keys inside themselves and sign with them;
 * private key material never leaves a backend, is never returned and never logged.
 */
public interface KeyBackend {

    /** Short name stored with each key: {@code software} or {@code pkcs11}. */
    String name();

    boolean supports(KeyType type);

    /** Generates a key pair under {@code alias}; returns its public half. */
    PublicKey generate(String alias, KeyType type);

    /**
     * Signs a precomputed digest. ECDSA returns DER, Ed25519 the 64-byte signature of the digest
     * bytes, RSA a PSS signature (SHA-256, MGF1-SHA-256, 32-byte salt) over the digest: the
     * encodings MCUboot uses.
     */
    byte[] sign(String alias, KeyType type, byte[] digest);

    /** True if the backend holds a private key under {@code alias}. */
    boolean contains(String alias);

    /** Deletes the key under {@code alias}: material generated for a change that did not commit. */
    void destroy(String alias);
}
