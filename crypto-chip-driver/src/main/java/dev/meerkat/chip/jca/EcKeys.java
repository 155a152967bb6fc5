package dev.meerkat.chip.jca;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;

/**
 * The chip side's one home of P-256 and of its encodings: conversions between the chip's raw
 * formats (X||Y public keys, r||s signatures) and JCA objects and DER. (The host side's is
 * image-format's {@code P256}.)
 */
public final class EcKeys {
    public static final ECParameterSpec P256 = p256();

    private EcKeys() {}

    private static ECParameterSpec p256() {
        try {
            AlgorithmParameters ap = AlgorithmParameters.getInstance("EC");
            ap.init(new ECGenParameterSpec("secp256r1"));
            return ap.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 unavailable", e);
        }
    }

    public static ECPublicKey publicKey(byte[] xy) {
        if (xy.length != 64) throw new IllegalArgumentException("raw public key is 64 bytes");
        ECPoint w =
                new ECPoint(
                        new BigInteger(1, Arrays.copyOfRange(xy, 0, 32)),
                        new BigInteger(1, Arrays.copyOfRange(xy, 32, 64)));
        try {
            return (ECPublicKey)
                    KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, P256));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a P-256 public key", e);
        }
    }

    public static byte[] raw(ECPublicKey key) {
        byte[] out = new byte[64];
        put(key.getW().getAffineX(), out, 0);
        put(key.getW().getAffineY(), out, 32);
        return out;
    }

    static void put(BigInteger v, byte[] out, int off) {
        byte[] b = v.toByteArray();
        int start = Math.max(0, b.length - 32);
        int len = b.length - start;
        System.arraycopy(b, start, out, off + 32 - len, len);
    }

    /** r||s to an ASN.1 DER SEQUENCE of two INTEGERs. */
    public static byte[] rawToDer(byte[] rs) {
        byte[] r = integer(Arrays.copyOfRange(rs, 0, 32));
        byte[] s = integer(Arrays.copyOfRange(rs, 32, 64));
        ByteArrayOutputStream out = new ByteArrayOutputStream(72);
        out.write(0x30);
        out.write(r.length + s.length);
        out.writeBytes(r);
        out.writeBytes(s);
        return out.toByteArray();
    }

    private static byte[] integer(byte[] unsigned) {
        byte[] v = new BigInteger(1, unsigned).toByteArray();
        byte[] out = new byte[v.length + 2];
        out[0] = 0x02;
        out[1] = (byte) v.length;
        System.arraycopy(v, 0, out, 2, v.length);
        return out;
    }

    /** ASN.1 DER ECDSA signature to r||s. */
    public static byte[] derToRaw(byte[] der) {
        if (der.length < 8 || der[0] != 0x30)
            throw new IllegalArgumentException("not a DER signature");
        int pos = 2;
        if ((der[1] & 0x80) != 0) pos = 2 + (der[1] & 0x7F);
        byte[] out = new byte[64];
        for (int i = 0; i < 2; i++) {
            if (pos + 2 > der.length || der[pos] != 0x02)
                throw new IllegalArgumentException("not a DER signature");
            int len = der[pos + 1] & 0xFF;
            if (pos + 2 + len > der.length)
                throw new IllegalArgumentException("not a DER signature");
            BigInteger v = new BigInteger(1, Arrays.copyOfRange(der, pos + 2, pos + 2 + len));
            if (v.bitLength() > 256) throw new IllegalArgumentException("not a P-256 signature");
            put(v, out, 32 * i);
            pos += 2 + len;
        }
        return out;
    }
}
