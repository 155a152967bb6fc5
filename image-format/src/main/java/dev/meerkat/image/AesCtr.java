package dev.meerkat.image;

import java.security.GeneralSecurityException;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-CTR with the all-zero initial counter MCUboot uses. Streaming: successive {@link #update} calls
 * continue the key stream. Uses the JDK cipher (AES-NI intrinsics).
 */
final class AesCtr {
    private final Cipher cipher;

    AesCtr(byte[] key) {
        try {
            cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR unavailable", e);
        }
    }

    /** Transforms {@code len} bytes in place. */
    void update(byte[] buf, int off, int len) {
        try {
            int n = cipher.update(buf, off, len, buf, off);
            if (n != len) throw new IllegalStateException("AES-CTR produced " + n + " of " + len + " bytes");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR failed", e);
        }
    }

    static byte[] apply(byte[] key, byte[] data) {
        byte[] out = data.clone();
        new AesCtr(key).update(out, 0, out.length);
        return out;
    }
}
