package dev.meerkat.image;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * MCUboot's ECIES key wrap: HKDF-SHA256 (no salt, info "MCUBoot_ECIES_v1") over the ECDH secret
 * gives an AES-CTR key that encrypts the image key and an HMAC-SHA256 key that authenticates it.
 * TLV value: ephemeral public key ‖ HMAC tag (32) ‖ encrypted image key.
 */
final class Ecies {
    private static final byte[] INFO = "MCUBoot_ECIES_v1".getBytes(StandardCharsets.US_ASCII);

    private Ecies() {}

    static byte[] seal(byte[] ephemeralPublic, byte[] sharedSecret, byte[] imageKey) {
        byte[] derived = derive(sharedSecret, imageKey.length);
        byte[] encKey = AesCtr.apply(Arrays.copyOf(derived, imageKey.length), imageKey);
        byte[] tag = hmac(Arrays.copyOfRange(derived, imageKey.length, derived.length), encKey);
        byte[] out = new byte[ephemeralPublic.length + 32 + encKey.length];
        System.arraycopy(ephemeralPublic, 0, out, 0, ephemeralPublic.length);
        System.arraycopy(tag, 0, out, ephemeralPublic.length, 32);
        System.arraycopy(encKey, 0, out, ephemeralPublic.length + 32, encKey.length);
        return out;
    }

    /** Returns the image key, or null when the tag does not match (wrong key or tampered TLV). */
    static byte[] open(byte[] sharedSecret, byte[] tag, byte[] encKey) {
        byte[] derived = derive(sharedSecret, encKey.length);
        byte[] expected = hmac(Arrays.copyOfRange(derived, encKey.length, derived.length), encKey);
        if (!MessageDigest.isEqual(expected, tag)) return null;
        return AesCtr.apply(Arrays.copyOf(derived, encKey.length), encKey);
    }

    private static byte[] derive(byte[] secret, int keyLen) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(secret, null, INFO));
        byte[] out = new byte[keyLen + 32];
        hkdf.generateBytes(out, 0, out.length);
        return out;
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        HMac mac = new HMac(new SHA256Digest());
        mac.init(new KeyParameter(key));
        mac.update(data, 0, data.length);
        byte[] out = new byte[32];
        mac.doFinal(out, 0);
        return out;
    }
}
