package dev.meerkat.image;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * The everyday key files read with the JDK alone: one unencrypted {@code PRIVATE KEY} (PKCS#8) or
 * {@code PUBLIC KEY} (SubjectPublicKeyInfo) block of a P-256 or P-384 key, or an Ed25519 public
 * key. Bouncy Castle's PEM parser, with the logging, ASN.1 and provider classes it pulls in, was a
 * third of a short {@code meerkat verify}'s CPU. EC keys become {@link NamedCurveKeys} values
 * (SunEC's own key classes would make the JCA search its providers). Anything else (other key
 * types, SEC1/PKCS#1 blocks, encrypted keys, several blocks, a PKCS#8 EC key without its public
 * point) returns null and {@link PemKeys} reads it as before.
 */
final class JdkPemKeys {
    private JdkPemKeys() {}

    // DER of the AlgorithmIdentifier OIDs: id-ecPublicKey (1.2.840.10045.2.1), Ed25519
    // (1.3.101.112).
    private static final byte[] EC_OID = {
        0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01
    };
    private static final byte[] ED25519_OID = {0x06, 0x03, 0x2b, 0x65, 0x70};
    // The named curves' OIDs as algorithm parameters: prime256v1 (1.2.840.10045.3.1.7) and
    // secp384r1 (1.3.132.0.34).
    private static final byte[] P256_OID = {
        0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x03, 0x01, 0x07
    };
    private static final byte[] P384_OID = {0x06, 0x05, 0x2b, (byte) 0x81, 0x04, 0x00, 0x22};

    /** The key, or null when {@link PemKeys} must read this text. */
    static PemKeys.Parsed parse(String pem) {
        try {
            String label = label(pem);
            if (label == null) return null;
            byte[] der = body(pem, label);
            if (der == null) return null;
            return switch (label) {
                case "PUBLIC KEY" -> publicKey(der);
                case "PRIVATE KEY" -> privateKey(der);
                default -> null;
            };
        } catch (GeneralSecurityException | RuntimeException e) {
            // Malformed or unusual: the full parser gives the precise message.
            return null;
        }
    }

    private static PemKeys.Parsed publicKey(byte[] spki) throws GeneralSecurityException {
        // SEQUENCE { SEQUENCE { OID, params }, BIT STRING }: the algorithm OID follows two headers.
        Der outer = new Der(spki, 0);
        if (outer.end() != spki.length) return null;
        Der alg = new Der(spki, outer.contentStart());
        int oid = alg.contentStart();
        if (startsWith(spki, oid, EC_OID)) {
            KeyType type = curve(spki, oid + EC_OID.length, alg.end());
            if (type == null) return null;
            ECPoint w = NamedCurveKeys.uncompressedPoint(type, bitString(spki, alg.end()));
            if (w == null) return null;
            return new PemKeys.Parsed(type, new NamedCurveKeys.Public(type, w, spki), null);
        }
        if (startsWith(spki, oid, ED25519_OID)) {
            PublicKey k =
                    KeyFactory.getInstance("Ed25519", Crypto.jdkEc())
                            .generatePublic(new X509EncodedKeySpec(spki));
            return new PemKeys.Parsed(KeyType.ED25519, k, null);
        }
        return null;
    }

    private static PemKeys.Parsed privateKey(byte[] pkcs8) {
        // PrivateKeyInfo ::= SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING {
        //   ECPrivateKey ::= SEQUENCE { INTEGER 1, OCTET STRING d, [0] params OPTIONAL,
        //                               [1] BIT STRING publicKey OPTIONAL } } }
        Der info = new Der(pkcs8, 0);
        if (info.end() != pkcs8.length) return null;
        Der version = new Der(pkcs8, info.contentStart());
        Der alg = new Der(pkcs8, version.end());
        int oid = alg.contentStart();
        if (!startsWith(pkcs8, oid, EC_OID)) return null;
        KeyType type = curve(pkcs8, oid + EC_OID.length, alg.end());
        if (type == null) return null;
        Der octets = new Der(pkcs8, alg.end());
        Der ecKey = new Der(pkcs8, octets.contentStart());
        Der ecVersion = new Der(pkcs8, ecKey.contentStart());
        Der d = new Der(pkcs8, ecVersion.end());
        if (pkcs8[ecVersion.end()] != 0x04) return null;
        byte[] point = null;
        for (int at = d.end(); at < ecKey.end(); ) {
            Der field = new Der(pkcs8, at);
            if ((pkcs8[at] & 0xff) == 0xa1) point = bitString(pkcs8, field.contentStart());
            at = field.end();
        }
        // Without its public point the key needs a scalar multiplication: the full parser does it.
        if (point == null) return null;
        ECPoint w = NamedCurveKeys.uncompressedPoint(type, point);
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(pkcs8, d.contentStart(), d.end()));
        ECParameterSpec params = NamedCurveKeys.params(type);
        if (w == null || s.signum() <= 0 || s.compareTo(params.getOrder()) >= 0) return null;
        byte[] algorithm = Arrays.copyOfRange(pkcs8, version.end(), alg.end());
        byte[] bits = new byte[point.length + 1]; // no unused bits, then the point
        System.arraycopy(point, 0, bits, 1, point.length);
        byte[] spki = derSequence(algorithm, derElement(0x03, bits));
        return new PemKeys.Parsed(
                type,
                new NamedCurveKeys.Public(type, w, spki),
                new NamedCurveKeys.Private(type, s, pkcs8));
    }

    /** The named curve whose OID is the whole of {@code der[at..end)}, or null. */
    private static KeyType curve(byte[] der, int at, int end) {
        if (end - at == P256_OID.length && startsWith(der, at, P256_OID)) return KeyType.ECDSA_P256;
        if (end - at == P384_OID.length && startsWith(der, at, P384_OID)) return KeyType.ECDSA_P384;
        return null;
    }

    /** The content of the BIT STRING at {@code at}, which must have no unused bits. */
    private static byte[] bitString(byte[] der, int at) {
        Der bits = new Der(der, at);
        if (der[at] != 0x03 || bits.end() == bits.contentStart() || der[bits.contentStart()] != 0)
            throw new IllegalArgumentException("not a whole-byte BIT STRING");
        return Arrays.copyOfRange(der, bits.contentStart() + 1, bits.end());
    }

    private static byte[] derSequence(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return derElement(0x30, both);
    }

    /** One DER element with a short-form length (the curves here never need more). */
    private static byte[] derElement(int tag, byte[] content) {
        if (content.length > 127) throw new IllegalArgumentException("DER element too long");
        byte[] out = new byte[content.length + 2];
        out[0] = (byte) tag;
        out[1] = (byte) content.length;
        System.arraycopy(content, 0, out, 2, content.length);
        return out;
    }

    /** The label of the only PEM block in the text, or null. */
    private static String label(String pem) {
        int begin = pem.indexOf("-----BEGIN ");
        if (begin < 0 || pem.indexOf("-----BEGIN ", begin + 1) >= 0) return null;
        int end = pem.indexOf("-----", begin + 11);
        return end < 0 ? null : pem.substring(begin + 11, end);
    }

    private static byte[] body(String pem, String label) {
        String begin = "-----BEGIN " + label + "-----";
        int from = pem.indexOf(begin) + begin.length();
        int to = pem.indexOf("-----END " + label + "-----", from);
        if (to < 0) return null;
        String text = pem.substring(from, to);
        // Encrypted PEM headers ("Proc-Type: 4,ENCRYPTED") are not plain Base64.
        if (text.indexOf(':') >= 0) return null;
        return Base64.getMimeDecoder().decode(text);
    }

    private static boolean startsWith(byte[] der, int at, byte[] prefix) {
        return der.length >= at + prefix.length
                && Arrays.equals(der, at, at + prefix.length, prefix, 0, prefix.length);
    }

    /** One DER element's header: where its content starts and where the element ends. */
    private static final class Der {
        private final int contentStart;
        private final int end;

        Der(byte[] der, int at) {
            int len = der[at + 1] & 0xff;
            int start = at + 2;
            if (len >= 0x80) {
                int bytes = len & 0x7f;
                if (bytes == 0 || bytes > 3) throw new IllegalArgumentException("DER length");
                len = 0;
                for (int i = 0; i < bytes; i++) len = (len << 8) | (der[start++] & 0xff);
            }
            if (start + len > der.length) throw new IllegalArgumentException("DER truncated");
            this.contentStart = start;
            this.end = start + len;
        }

        int contentStart() {
            return contentStart;
        }

        int end() {
            return end;
        }
    }
}
