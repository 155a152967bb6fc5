package dev.meerkat.image;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * The everyday key files read with the JDK alone: one unencrypted {@code PRIVATE KEY} (PKCS#8) or
 * {@code PUBLIC KEY} (SubjectPublicKeyInfo) block of a P-256 or P-384 key, or an Ed25519 public
 * key. Bouncy Castle's PEM parser, with the logging, ASN.1 and provider classes it pulls in, was a
 * third of a short {@code meerkat verify}'s CPU. Anything else (other key types, SEC1/PKCS#1
 * blocks, encrypted keys, several blocks, a PKCS#8 EC key without its public point) returns null
 * and {@link PemKeys} reads it as before.
 */
final class JdkPemKeys {
    private JdkPemKeys() {}

    // DER of the AlgorithmIdentifier OIDs: id-ecPublicKey (1.2.840.10045.2.1), Ed25519
    // (1.3.101.112).
    private static final byte[] EC_OID = {
        0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01
    };
    private static final byte[] ED25519_OID = {0x06, 0x03, 0x2b, 0x65, 0x70};

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
        // SEQUENCE { SEQUENCE { OID, ... }, BIT STRING }: the algorithm OID follows two headers.
        Der outer = new Der(spki, 0);
        Der alg = new Der(spki, outer.contentStart());
        int oid = alg.contentStart();
        if (startsWith(spki, oid, EC_OID)) {
            PublicKey k =
                    KeyFactory.getInstance("EC", Crypto.jdkEc())
                            .generatePublic(new X509EncodedKeySpec(spki));
            KeyType type = ecType((ECKey) k);
            return type == null ? null : new PemKeys.Parsed(type, k, null);
        }
        if (startsWith(spki, oid, ED25519_OID)) {
            PublicKey k =
                    KeyFactory.getInstance("Ed25519", Crypto.jdkEc())
                            .generatePublic(new X509EncodedKeySpec(spki));
            return new PemKeys.Parsed(KeyType.ED25519, k, null);
        }
        return null;
    }

    private static PemKeys.Parsed privateKey(byte[] pkcs8) throws GeneralSecurityException {
        // PrivateKeyInfo ::= SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING {
        //   ECPrivateKey ::= SEQUENCE { INTEGER 1, OCTET STRING d, [0] params OPTIONAL,
        //                               [1] BIT STRING publicKey OPTIONAL } } }
        Der info = new Der(pkcs8, 0);
        Der version = new Der(pkcs8, info.contentStart());
        Der alg = new Der(pkcs8, version.end());
        if (!startsWith(pkcs8, alg.contentStart(), EC_OID)) return null;
        Der octets = new Der(pkcs8, alg.end());
        Der ecKey = new Der(pkcs8, octets.contentStart());
        byte[] point = null;
        for (int at = new Der(pkcs8, ecKey.contentStart()).end(); at < ecKey.end(); ) {
            Der field = new Der(pkcs8, at);
            if ((pkcs8[at] & 0xff) == 0xa1) {
                Der bits = new Der(pkcs8, field.contentStart());
                // First content byte of a BIT STRING counts unused bits: 0 here.
                point = Arrays.copyOfRange(pkcs8, bits.contentStart() + 1, bits.end());
            }
            at = field.end();
        }
        if (point == null || point.length == 0 || point[0] != 0x04) return null;
        PrivateKey priv =
                KeyFactory.getInstance("EC", Crypto.jdkEc())
                        .generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        KeyType type = ecType((ECKey) priv);
        if (type == null) return null;
        int n = (point.length - 1) / 2;
        ECPoint w =
                new ECPoint(
                        new BigInteger(1, Arrays.copyOfRange(point, 1, 1 + n)),
                        new BigInteger(1, Arrays.copyOfRange(point, 1 + n, point.length)));
        PublicKey pub =
                KeyFactory.getInstance("EC", Crypto.jdkEc())
                        .generatePublic(new ECPublicKeySpec(w, ((ECPrivateKey) priv).getParams()));
        return new PemKeys.Parsed(type, pub, priv);
    }

    /** P-256 or P-384 by the size of the curve's field (the JDK only knows named prime curves). */
    private static KeyType ecType(ECKey key) {
        return switch (key.getParams().getCurve().getField().getFieldSize()) {
            case 256 -> KeyType.ECDSA_P256;
            case 384 -> KeyType.ECDSA_P384;
            default -> null;
        };
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
