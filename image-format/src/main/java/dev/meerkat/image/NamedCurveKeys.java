package dev.meerkat.image;

import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.util.Arrays;

/**
 * P-256 and P-384 keys read from their DER without the JDK's key classes. SunEC's own key objects
 * ask the JCA for "EC" parameters by name while they are built, and that first lookup loads and
 * instantiates provider after provider through {@link java.util.ServiceLoader} until it reaches
 * SunEC: a tenth of a short {@code meerkat verify}. SunEC's signature engines take any {@link
 * ECPublicKey} or {@link ECPrivateKey} as it is, so these values are signed and verified with
 * directly ({@link Crypto#signatureFor} sends them to SunEC).
 */
final class NamedCurveKeys {
    private NamedCurveKeys() {}

    /**
     * The curve's JCA parameters, from SunEC itself rather than by a lookup over providers: the one
     * place they are made ({@link P256#SPEC} is this).
     */
    static ECParameterSpec params(KeyType type) {
        return switch (type) {
            case ECDSA_P256 -> Params.P256;
            case ECDSA_P384 -> Params.P384;
            default -> throw new IllegalArgumentException("not a NIST curve key: " + type);
        };
    }

    /** Bytes of a scalar or coordinate of the curve. */
    static int fieldBytes(KeyType type) {
        return (params(type).getCurve().getField().getFieldSize() + 7) / 8;
    }

    private static final class Params {
        static final ECParameterSpec P256 = named("secp256r1");
        static final ECParameterSpec P384 = named("secp384r1");

        private static ECParameterSpec named(String name) {
            try {
                AlgorithmParameters p = AlgorithmParameters.getInstance("EC", Crypto.jdkEc());
                p.init(new ECGenParameterSpec(name));
                return p.getParameterSpec(ECParameterSpec.class);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK lacks " + name, e);
            }
        }
    }

    /** The affine point of an uncompressed SEC1 encoding ({@code 04 ‖ x ‖ y}), or null. */
    static ECPoint uncompressedPoint(KeyType type, byte[] sec1) {
        int n = fieldBytes(type);
        if (sec1.length != 1 + 2 * n || sec1[0] != 0x04) return null;
        return new ECPoint(
                new BigInteger(1, Arrays.copyOfRange(sec1, 1, 1 + n)),
                new BigInteger(1, Arrays.copyOfRange(sec1, 1 + n, sec1.length)));
    }

    /** What both kinds of key share: the curve, the algorithm and their encoding. */
    abstract static class Base implements java.security.Key {
        private static final long serialVersionUID = 1L;
        final transient KeyType type;
        final byte[] encoded;
        private final String format;

        Base(KeyType type, byte[] encoded, String format) {
            this.type = type;
            this.encoded = encoded.clone();
            this.format = format;
        }

        public ECParameterSpec getParams() {
            return params(type);
        }

        @Override
        public String getAlgorithm() {
            return "EC";
        }

        @Override
        public String getFormat() {
            return format;
        }

        @Override
        public byte[] getEncoded() {
            return encoded.clone();
        }

        /** Same format and encoding as {@code k}'s; compared in constant time. */
        boolean sameEncoding(java.security.Key k) {
            return format.equals(k.getFormat()) && MessageDigest.isEqual(encoded, k.getEncoded());
        }

        private void writeObject(ObjectOutputStream out) throws NotSerializableException {
            throw new NotSerializableException(getClass().getName());
        }
    }

    /** A public key and its SubjectPublicKeyInfo DER, the bytes MCUboot hashes for KEYHASH. */
    static final class Public extends Base implements ECPublicKey {
        private static final long serialVersionUID = 1L;
        private final ECPoint w;

        Public(KeyType type, ECPoint w, byte[] spki) {
            super(type, spki, "X.509");
            this.w = w;
        }

        @Override
        public ECPoint getW() {
            return w;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ECPublicKey k && sameEncoding(k);
        }

        @Override
        public int hashCode() {
            // The JDK's X.509 keys' formula, so that equal SunEC and Meerkat keys hash alike.
            int h = encoded.length;
            for (byte b : encoded) h += (b & 0xff) * 37;
            return h;
        }

        @Override
        public String toString() {
            return type.cliName() + " public key";
        }
    }

    /** A private scalar and its PKCS#8 DER as read. Never printed, never serialized. */
    static final class Private extends Base implements ECPrivateKey {
        private static final long serialVersionUID = 1L;
        private final BigInteger s;

        Private(KeyType type, BigInteger s, byte[] pkcs8) {
            super(type, pkcs8, "PKCS#8");
            this.s = s;
        }

        @Override
        public BigInteger getS() {
            return s;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ECPrivateKey k && sameEncoding(k);
        }

        @Override
        public int hashCode() {
            return type.hashCode();
        }

        @Override
        public String toString() {
            return type.cliName() + " private key";
        }
    }
}
