package dev.meerkat.signing.sign;

import dev.meerkat.image.KeyType;
import java.math.BigInteger;
import java.util.Base64;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;

/** Signature encodings handed back to clients. */
final class SignatureCodec {
    private SignatureCodec() {}

    static String b64(byte[] b) {
        return b == null ? null : Base64.getEncoder().encodeToString(b);
    }

    /**
     * r‖s, each left-padded to the curve size, from an ECDSA DER signature; other types pass
     * through.
     */
    static byte[] raw(KeyType type, byte[] sig) {
        if (type != KeyType.ECDSA_P256 && type != KeyType.ECDSA_P384) return sig;
        int n = type == KeyType.ECDSA_P256 ? 32 : 48;
        ASN1Sequence seq = ASN1Sequence.getInstance(sig);
        byte[] out = new byte[2 * n];
        put(ASN1Integer.getInstance(seq.getObjectAt(0)).getValue(), out, 0, n);
        put(ASN1Integer.getInstance(seq.getObjectAt(1)).getValue(), out, n, n);
        return out;
    }

    private static void put(BigInteger v, byte[] out, int off, int n) {
        byte[] b = v.toByteArray();
        int skip = b.length > n ? b.length - n : 0;
        System.arraycopy(b, skip, out, off + n - (b.length - skip), b.length - skip);
    }
}
