package dev.meerkat.image;

import java.security.Key;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Signature;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The providers and primitives shared by the image code; the provider is passed explicitly, never
 * installed globally.
 */
final class Crypto {
    private Crypto() {}

    /**
     * Bouncy Castle, created on first use: registering its algorithms costs a few hundred
     * milliseconds of a command-line run, and P-256 and Ed25519 keys read from PKCS#8/SPKI PEM
     * never need it.
     */
    static Provider bc() {
        return BcHolder.PROVIDER;
    }

    private static final class BcHolder {
        static final Provider PROVIDER = new BouncyCastleProvider();
    }

    /**
     * A signature engine for {@code key}: Bouncy Castle's for its own key objects, the JDK's
     * otherwise.
     */
    static Signature signatureFor(String algorithm, Key key) throws NoSuchAlgorithmException {
        return key.getClass().getName().startsWith("org.bouncycastle.")
                ? Signature.getInstance(algorithm, bc())
                : Signature.getInstance(algorithm);
    }

    static MessageDigest sha256() {
        try {
            // The JDK's own implementation uses the CPU's SHA extensions where present.
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    static byte[] sha256(byte[] data) {
        return sha256().digest(data);
    }

    static SecureRandom random() {
        return new SecureRandom();
    }
}
