package dev.meerkat.chip.emulator;

import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;

/** The P-256 arithmetic of the emulated chip (Bouncy Castle lightweight API). */
final class P256 {
    static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256r1");
    static final ECDomainParameters DOMAIN =
            new ECDomainParameters(CURVE.getCurve(), CURVE.getG(), CURVE.getN(), CURVE.getH());

    private P256() {}

    static boolean validScalar(byte[] d32) {
        BigInteger d = new BigInteger(1, d32);
        return d.signum() > 0 && d.compareTo(DOMAIN.getN()) < 0;
    }

    static byte[] newScalar(SecureRandom rng) {
        while (true) {
            byte[] d = new byte[32];
            rng.nextBytes(d);
            if (validScalar(d)) return d;
        }
    }

    static byte[] publicKey(byte[] d32) {
        ECPoint q = DOMAIN.getG().multiply(new BigInteger(1, d32)).normalize();
        return raw(q);
    }

    static byte[] raw(ECPoint q) {
        byte[] out = new byte[64];
        System.arraycopy(
                BigIntegers.asUnsignedByteArray(32, q.getAffineXCoord().toBigInteger()),
                0,
                out,
                0,
                32);
        System.arraycopy(
                BigIntegers.asUnsignedByteArray(32, q.getAffineYCoord().toBigInteger()),
                0,
                out,
                32,
                32);
        return out;
    }

    /** Decodes X||Y; null if the point is not on the curve. */
    static ECPoint point(byte[] xy, int off) {
        byte[] enc = new byte[65];
        enc[0] = 0x04;
        System.arraycopy(xy, off, enc, 1, 64);
        try {
            ECPoint p = CURVE.getCurve().decodePoint(enc);
            return p.isValid() && !p.isInfinity() ? p : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static byte[] sign(byte[] d32, byte[] digest32, SecureRandom rng) {
        ECDSASigner signer = new ECDSASigner();
        signer.init(
                true,
                new ParametersWithRandom(
                        new ECPrivateKeyParameters(new BigInteger(1, d32), DOMAIN), rng));
        BigInteger[] rs = signer.generateSignature(digest32);
        byte[] out = new byte[64];
        System.arraycopy(BigIntegers.asUnsignedByteArray(32, rs[0]), 0, out, 0, 32);
        System.arraycopy(BigIntegers.asUnsignedByteArray(32, rs[1]), 0, out, 32, 32);
        return out;
    }

    static boolean verify(ECPoint q, byte[] digest32, byte[] sig, int sigOff) {
        BigInteger r = new BigInteger(1, java.util.Arrays.copyOfRange(sig, sigOff, sigOff + 32));
        BigInteger s =
                new BigInteger(1, java.util.Arrays.copyOfRange(sig, sigOff + 32, sigOff + 64));
        ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, new ECPublicKeyParameters(q, DOMAIN));
        return verifier.verifySignature(digest32, r, s);
    }

    /** The x coordinate of d·Q (the ECDH pre-master secret). */
    static byte[] ecdh(byte[] d32, ECPoint q) {
        ECPoint s = q.multiply(new BigInteger(1, d32)).normalize();
        if (s.isInfinity()) return null;
        return BigIntegers.asUnsignedByteArray(32, s.getAffineXCoord().toBigInteger());
    }
}
