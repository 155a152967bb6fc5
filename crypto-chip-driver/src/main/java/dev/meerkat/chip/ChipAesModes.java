package dev.meerkat.chip;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * AES-GCM (NIST SP 800-38D) and AES-CCM (SP 800-38C) computed on the host from the 608's AES
 * command: every block cipher call is AES-ECB in the chip with a key that never leaves it (a slot,
 * or TempKey with keyId 0xFFFF), and GHASH uses the chip's GFM mode, the way cryptoauthlib's
 * atcab_aes_gcm and atcab_aes_ccm build on the same commands. One instance per key; not thread-safe
 * on its own (the driver serialises the commands).
 */
public final class ChipAesModes {
    private final CryptoChip chip;
    private final int keyId;
    private final int keyBlock;

    /**
     * @param keyId slot of an AES key (KeyType 6), or 0xFFFF for TempKey
     * @param keyBlock which 16-byte key of the slot (0-3)
     */
    public ChipAesModes(CryptoChip chip, int keyId, int keyBlock) {
        this.chip = chip;
        this.keyId = keyId;
        this.keyBlock = keyBlock;
    }

    /** Ciphertext and tag. */
    public record Sealed(byte[] ciphertext, byte[] tag) {}

    private byte[] e(byte[] block) {
        return chip.aesEncrypt(keyId, keyBlock, block);
    }

    // ------------------------------------------------------------------ GCM

    public Sealed gcmEncrypt(byte[] iv, byte[] aad, byte[] plaintext, int tagLength) {
        checkTag(tagLength, 12, 16);
        byte[] h = e(new byte[16]);
        byte[] j0 = j0(h, iv);
        byte[] c = gctr(inc32(j0), plaintext);
        byte[] s = ghash(h, aad, c);
        return new Sealed(c, Arrays.copyOf(HostCrypto.xor(e(j0), s), tagLength));
    }

    /**
     * Decrypts, or throws if the tag does not match (constant-time comparison; nothing is returned
     * then).
     */
    public byte[] gcmDecrypt(byte[] iv, byte[] aad, byte[] ciphertext, byte[] tag) {
        checkTag(tag.length, 12, 16);
        byte[] h = e(new byte[16]);
        byte[] j0 = j0(h, iv);
        byte[] expected =
                Arrays.copyOf(HostCrypto.xor(e(j0), ghash(h, aad, ciphertext)), tag.length);
        if (!MessageDigest.isEqual(expected, tag))
            throw new IllegalArgumentException("AES-GCM tag mismatch");
        return gctr(inc32(j0), ciphertext);
    }

    private byte[] j0(byte[] h, byte[] iv) {
        if (iv.length == 0) throw new IllegalArgumentException("empty IV");
        if (iv.length == 12) {
            byte[] j = Arrays.copyOf(iv, 16);
            j[15] = 1;
            return j;
        }
        return ghash(h, new byte[0], iv);
    }

    /**
     * GHASH(A, C) with both padded to 16 bytes and the 128-bit lengths block (for an IV: A empty, C
     * = IV).
     */
    private byte[] ghash(byte[] h, byte[] a, byte[] c) {
        byte[] y = new byte[16];
        y = absorb(h, y, a);
        y = absorb(h, y, c);
        byte[] lengths = new byte[16];
        long abits = (long) a.length * 8;
        long cbits = (long) c.length * 8;
        for (int i = 0; i < 8; i++) {
            lengths[7 - i] = (byte) (abits >>> (8 * i));
            lengths[15 - i] = (byte) (cbits >>> (8 * i));
        }
        return chip.aesGfm(h, HostCrypto.xor(y, lengths));
    }

    private byte[] absorb(byte[] h, byte[] y, byte[] data) {
        for (int off = 0; off < data.length; off += 16) {
            byte[] block =
                    Arrays.copyOf(
                            Arrays.copyOfRange(data, off, Math.min(off + 16, data.length)), 16);
            y = chip.aesGfm(h, HostCrypto.xor(y, block));
        }
        return y;
    }

    private byte[] gctr(byte[] counter, byte[] data) {
        byte[] out = new byte[data.length];
        byte[] cb = counter.clone();
        for (int off = 0; off < data.length; off += 16) {
            byte[] ks = e(cb);
            for (int i = off; i < Math.min(off + 16, data.length); i++)
                out[i] = (byte) (data[i] ^ ks[i - off]);
            cb = inc32(cb);
        }
        return out;
    }

    private static byte[] inc32(byte[] block) {
        byte[] b = block.clone();
        for (int i = 15; i >= 12; i--) {
            if (++b[i] != 0) break;
        }
        return b;
    }

    // ------------------------------------------------------------------ CCM

    public Sealed ccmEncrypt(byte[] nonce, byte[] aad, byte[] plaintext, int tagLength) {
        checkCcm(nonce, tagLength);
        byte[] t = cbcMac(nonce, aad, plaintext, tagLength);
        byte[] c = ccmCtr(nonce, plaintext);
        return new Sealed(c, HostCrypto.xor(t, Arrays.copyOf(e(ctrBlock(nonce, 0)), tagLength)));
    }

    public byte[] ccmDecrypt(byte[] nonce, byte[] aad, byte[] ciphertext, byte[] tag) {
        checkCcm(nonce, tag.length);
        byte[] p = ccmCtr(nonce, ciphertext);
        byte[] t = cbcMac(nonce, aad, p, tag.length);
        byte[] expected = HostCrypto.xor(t, Arrays.copyOf(e(ctrBlock(nonce, 0)), tag.length));
        if (!MessageDigest.isEqual(expected, tag))
            throw new IllegalArgumentException("AES-CCM tag mismatch");
        return p;
    }

    private static void checkCcm(byte[] nonce, int tagLength) {
        if (nonce.length < 7 || nonce.length > 13)
            throw new IllegalArgumentException("CCM nonce is 7-13 bytes");
        if (tagLength < 4 || tagLength > 16 || tagLength % 2 != 0)
            throw new IllegalArgumentException("CCM tag is 4, 6, ..., 16 bytes");
    }

    private byte[] cbcMac(byte[] nonce, byte[] aad, byte[] p, int tagLength) {
        int q = 15 - nonce.length;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write((aad.length > 0 ? 0x40 : 0) | ((tagLength - 2) / 2) << 3 | (q - 1));
        b.writeBytes(nonce);
        for (int i = q - 1; i >= 0; i--) b.write((int) ((long) p.length >>> (8 * i)));
        if (aad.length > 0) {
            if (aad.length >= 0xFF00)
                throw new IllegalArgumentException("associated data up to 65279 bytes");
            ByteArrayOutputStream a = new ByteArrayOutputStream();
            a.write(aad.length >>> 8);
            a.write(aad.length);
            a.writeBytes(aad);
            b.writeBytes(pad16(a.toByteArray()));
        }
        b.writeBytes(pad16(p));
        byte[] blocks = b.toByteArray();
        byte[] y = new byte[16];
        for (int off = 0; off < blocks.length; off += 16)
            y = e(HostCrypto.xor(y, Arrays.copyOfRange(blocks, off, off + 16)));
        return Arrays.copyOf(y, tagLength);
    }

    private byte[] ccmCtr(byte[] nonce, byte[] data) {
        byte[] out = new byte[data.length];
        for (int off = 0, i = 1; off < data.length; off += 16, i++) {
            byte[] ks = e(ctrBlock(nonce, i));
            for (int j = off; j < Math.min(off + 16, data.length); j++)
                out[j] = (byte) (data[j] ^ ks[j - off]);
        }
        return out;
    }

    private static byte[] ctrBlock(byte[] nonce, long i) {
        int q = 15 - nonce.length;
        byte[] ctr = new byte[16];
        ctr[0] = (byte) (q - 1);
        System.arraycopy(nonce, 0, ctr, 1, nonce.length);
        for (int k = 0; k < q; k++) ctr[15 - k] = (byte) (i >>> (8 * k));
        return ctr;
    }

    private static byte[] pad16(byte[] b) {
        return Arrays.copyOf(b, (b.length + 15) / 16 * 16);
    }

    private static void checkTag(int length, int min, int max) {
        if (length < min || length > max)
            throw new IllegalArgumentException("tag length " + length);
    }
}
