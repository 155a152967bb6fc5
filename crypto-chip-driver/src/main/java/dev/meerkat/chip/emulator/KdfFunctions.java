package dev.meerkat.chip.emulator;

import dev.meerkat.chip.HostCrypto;
import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/** The three algorithms of the 608's KDF command. */
final class KdfFunctions {
    private KdfFunctions() {}

    /**
     * TLS 1.2 PRF (RFC 5246 section 5, P_SHA256) of {@code key} over the message (label || seed).
     */
    static byte[] prf(byte[] key, byte[] message, int outLength) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(outLength + 32);
        byte[] a = message;
        while (out.size() < outLength) {
            a = HostCrypto.hmacSha256(key, a);
            byte[] in = new byte[a.length + message.length];
            System.arraycopy(a, 0, in, 0, a.length);
            System.arraycopy(message, 0, in, a.length, message.length);
            out.writeBytes(HostCrypto.hmacSha256(key, in));
        }
        return Arrays.copyOf(out.toByteArray(), outLength);
    }

    /**
     * One HKDF step (RFC 5869): HMAC-SHA256(key, message). With the salt as key and the IKM as
     * message it is Extract; with the PRK as key and info || counter as message it is one block of
     * Expand.
     */
    static byte[] hkdf(byte[] key, byte[] message) {
        return HostCrypto.hmacSha256(key, message);
    }

    /** AES-128 encryption of one block; the 608 returns it in 32 bytes, the upper 16 zero. */
    static byte[] aes(byte[] key16, byte[] block16) {
        try {
            Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key16, "AES"));
            return Arrays.copyOf(c.doFinal(block16), 32);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
