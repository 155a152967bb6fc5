package dev.meerkat.chip.emulator;

import java.util.Arrays;

/**
 * A SHA-256 computation whose intermediate state can be read out and restored, as the 608's SHA
 * command does with modes 6 (read context) and 7 (write context). The context is opaque to the
 * host; here it is the eight chaining words (big endian), the message length so far in bytes (four
 * bytes, little endian) and the bytes of the incomplete block: 36 to 99 bytes, the size
 * cryptoauthlib reserves for it.
 */
final class Sha256Context {
    static final int MIN_CONTEXT = 36;
    static final int MAX_CONTEXT = 99;

    private static final int[] K = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
                0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7,
                0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc,
                0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351,
                0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
                0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585,
                0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
                0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
                0xc67178f2
    };
    private static final int[] IV = {
        0x6a09e667,
        0xbb67ae85,
        0x3c6ef372,
        0xa54ff53a,
        0x510e527f,
        0x9b05688c,
        0x1f83d9ab,
        0x5be0cd19
    };

    private final int[] h = IV.clone();
    private final byte[] block = new byte[64];
    private long length;

    void update(byte[] data) {
        for (byte b : data) {
            block[(int) (length % 64)] = b;
            length++;
            if (length % 64 == 0) compress();
        }
    }

    byte[] digest() {
        long bits = length * 8;
        update(new byte[] {(byte) 0x80});
        while (length % 64 != 56) update(new byte[1]);
        byte[] len = new byte[8];
        for (int i = 0; i < 8; i++) len[i] = (byte) (bits >>> (56 - 8 * i));
        update(len);
        byte[] out = new byte[32];
        for (int i = 0; i < 8; i++) {
            out[4 * i] = (byte) (h[i] >>> 24);
            out[4 * i + 1] = (byte) (h[i] >>> 16);
            out[4 * i + 2] = (byte) (h[i] >>> 8);
            out[4 * i + 3] = (byte) h[i];
        }
        return out;
    }

    byte[] export() {
        int partial = (int) (length % 64);
        byte[] c = new byte[MIN_CONTEXT + partial];
        for (int i = 0; i < 8; i++) {
            c[4 * i] = (byte) (h[i] >>> 24);
            c[4 * i + 1] = (byte) (h[i] >>> 16);
            c[4 * i + 2] = (byte) (h[i] >>> 8);
            c[4 * i + 3] = (byte) h[i];
        }
        for (int i = 0; i < 4; i++) c[32 + i] = (byte) (length >>> (8 * i));
        System.arraycopy(block, 0, c, MIN_CONTEXT, partial);
        return c;
    }

    /** Restores an exported context; null if its length field and size disagree. */
    static Sha256Context restore(byte[] c) {
        if (c.length < MIN_CONTEXT || c.length > MAX_CONTEXT) return null;
        long length = 0;
        for (int i = 0; i < 4; i++) length |= (c[32 + i] & 0xFFL) << (8 * i);
        if (MIN_CONTEXT + length % 64 != c.length) return null;
        Sha256Context s = new Sha256Context();
        for (int i = 0; i < 8; i++) {
            s.h[i] =
                    (c[4 * i] & 0xFF) << 24
                            | (c[4 * i + 1] & 0xFF) << 16
                            | (c[4 * i + 2] & 0xFF) << 8
                            | (c[4 * i + 3] & 0xFF);
        }
        s.length = length;
        System.arraycopy(c, MIN_CONTEXT, s.block, 0, c.length - MIN_CONTEXT);
        return s;
    }

    private void compress() {
        int[] w = new int[64];
        for (int i = 0; i < 16; i++) {
            w[i] =
                    (block[4 * i] & 0xFF) << 24
                            | (block[4 * i + 1] & 0xFF) << 16
                            | (block[4 * i + 2] & 0xFF) << 8
                            | (block[4 * i + 3] & 0xFF);
        }
        for (int i = 16; i < 64; i++) {
            int s0 =
                    Integer.rotateRight(w[i - 15], 7)
                            ^ Integer.rotateRight(w[i - 15], 18)
                            ^ (w[i - 15] >>> 3);
            int s1 =
                    Integer.rotateRight(w[i - 2], 17)
                            ^ Integer.rotateRight(w[i - 2], 19)
                            ^ (w[i - 2] >>> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        int a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int i = 0; i < 64; i++) {
            int t1 =
                    hh
                            + (Integer.rotateRight(e, 6)
                                    ^ Integer.rotateRight(e, 11)
                                    ^ Integer.rotateRight(e, 25))
                            + ((e & f) ^ (~e & g))
                            + K[i]
                            + w[i];
            int t2 =
                    (Integer.rotateRight(a, 2)
                                    ^ Integer.rotateRight(a, 13)
                                    ^ Integer.rotateRight(a, 22))
                            + ((a & b) ^ (a & c) ^ (b & c));
            hh = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += hh;
        Arrays.fill(block, (byte) 0);
    }
}
