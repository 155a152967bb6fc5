package dev.meerkat.hal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One root-of-trust entry burnt into a device: either a whole public key or only its KEYHASH
 * (SHA-256 of the encoded key, as MCUboot stores it when the key itself travels in the image).
 */
public sealed interface ProvisionedKey
        permits ProvisionedKey.PublicKeyEntry, ProvisionedKey.KeyHashEntry {

    /** SHA-256 of the encoded public key: how images name the key that signed them. */
    byte[] keyHash();

    /** Hex form of {@link #keyHash()}. */
    default String keyHashHex() {
        return HexFormat.of().formatHex(keyHash());
    }

    /**
     * A full public key, DER encoded (X.509 SubjectPublicKeyInfo or the format the verifier
     * expects).
     */
    static PublicKeyEntry publicKey(byte[] encoded) {
        return new PublicKeyEntry(encoded);
    }

    /** Only the 32-byte SHA-256 KEYHASH of a public key. */
    static KeyHashEntry keyHash(byte[] sha256) {
        return new KeyHashEntry(sha256);
    }

    /** A provisioned public key. */
    final class PublicKeyEntry implements ProvisionedKey {
        private final byte[] encoded;

        private PublicKeyEntry(byte[] encoded) {
            if (encoded == null || encoded.length == 0) {
                throw new IllegalArgumentException("empty public key");
            }
            this.encoded = encoded.clone();
        }

        /** The encoded key bytes (a copy). */
        public byte[] encoded() {
            return encoded.clone();
        }

        @Override
        public byte[] keyHash() {
            try {
                return MessageDigest.getInstance("SHA-256").digest(encoded);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PublicKeyEntry p && Arrays.equals(encoded, p.encoded);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(encoded);
        }

        @Override
        public String toString() {
            return "PublicKey[keyhash=" + keyHashHex() + "]";
        }
    }

    /** A provisioned KEYHASH. */
    final class KeyHashEntry implements ProvisionedKey {
        private final byte[] hash;

        private KeyHashEntry(byte[] hash) {
            if (hash == null || hash.length != 32) {
                throw new IllegalArgumentException("a KEYHASH is 32 bytes of SHA-256");
            }
            this.hash = hash.clone();
        }

        @Override
        public byte[] keyHash() {
            return hash.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof KeyHashEntry k && Arrays.equals(hash, k.hash);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(hash);
        }

        @Override
        public String toString() {
            return "KeyHash[" + keyHashHex() + "]";
        }
    }
}
