package dev.meerkat.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.SecureRandom;

import org.bouncycastle.jce.provider.BouncyCastleProvider;

/** The providers and primitives shared by the image code; the provider is passed explicitly, never installed globally. */
final class Crypto {
    static final Provider BC = new BouncyCastleProvider();

    private Crypto() {
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
