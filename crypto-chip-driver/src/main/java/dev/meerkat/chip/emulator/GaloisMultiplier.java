package dev.meerkat.chip.emulator;

/**
 * The GF(2^128) multiplication of AES-GCM's GHASH (NIST SP 800-38D, algorithm 1), which the 608's
 * AES command computes in its GFM mode: the host runs GCM with the chip doing AES-ECB and GFM.
 */
final class GaloisMultiplier {
    private GaloisMultiplier() {}

    /** X · Y in the GCM field, both 16 bytes, bit 0 the most significant bit of byte 0. */
    static byte[] multiply(byte[] x, byte[] y) {
        byte[] z = new byte[16];
        byte[] v = y.clone();
        for (int i = 0; i < 128; i++) {
            if ((x[i / 8] >> (7 - i % 8) & 1) != 0) {
                for (int j = 0; j < 16; j++) z[j] ^= v[j];
            }
            boolean lsb = (v[15] & 1) != 0;
            for (int j = 15; j > 0; j--) v[j] = (byte) ((v[j] & 0xFF) >>> 1 | (v[j - 1] & 1) << 7);
            v[0] = (byte) ((v[0] & 0xFF) >>> 1);
            if (lsb) v[0] ^= (byte) 0xE1;
        }
        return z;
    }
}
