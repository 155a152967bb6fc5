package dev.meerkat.image;

import java.io.IOException;
import java.math.BigInteger;
import java.security.spec.ECParameterSpec;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;

/**
 * The host side's one home of the NIST P-256 curve (secp256r1) and of the two encodings of its
 * ECDSA signatures: ASN.1 DER (JCA, X.509, fw.zip, MCUboot's ECDSA_SIG TLV) and r‖s (PKCS#11, JWS,
 * secure elements). The chip side has its own in crypto-chip-driver's {@code EcKeys}.
 */
public final class P256 {

    /** Standard name of the curve for {@link ECGenParameterSpec}. */
    public static final String NAME = "secp256r1";

    /** The curve in JCA form. */
    public static final ECParameterSpec SPEC = NamedCurveKeys.params(KeyType.ECDSA_P256);

    /** The curve in Bouncy Castle's lightweight form. */
    public static final X9ECParameters CURVE = CustomNamedCurves.getByName(NAME);

    /** Bytes of a scalar or coordinate. */
    public static final int FIELD_BYTES = 32;

    private P256() {}

    /** Whether {@code params} describe P-256. */
    public static boolean is(ECParameterSpec params) {
        return params != null
                && params.getOrder().equals(SPEC.getOrder())
                && params.getCurve().equals(SPEC.getCurve())
                && params.getGenerator().equals(SPEC.getGenerator());
    }

    /** A DER ECDSA signature (SEQUENCE of two INTEGERs) as r‖s, 64 bytes. */
    public static byte[] derToRaw(byte[] der) {
        try {
            ASN1Sequence seq = ASN1Sequence.getInstance(der);
            if (seq.size() != 2) throw new IllegalArgumentException("not an ECDSA signature");
            byte[] out = new byte[2 * FIELD_BYTES];
            for (int i = 0; i < 2; i++) {
                BigInteger v = ASN1Integer.getInstance(seq.getObjectAt(i)).getPositiveValue();
                if (v.bitLength() > 8 * FIELD_BYTES)
                    throw new IllegalArgumentException("not a P-256 signature");
                byte[] b = v.toByteArray();
                int start = b.length > FIELD_BYTES ? b.length - FIELD_BYTES : 0;
                System.arraycopy(
                        b,
                        start,
                        out,
                        FIELD_BYTES * (i + 1) - (b.length - start),
                        b.length - start);
            }
            return out;
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) throw iae;
            throw new IllegalArgumentException("not a DER ECDSA signature", e);
        }
    }

    /** r‖s (64 bytes) as a DER ECDSA signature. */
    public static byte[] rawToDer(byte[] rs) {
        if (rs.length != 2 * FIELD_BYTES)
            throw new IllegalArgumentException("r||s is 64 bytes, got " + rs.length);
        try {
            return new DERSequence(
                            new ASN1Encodable[] {
                                new ASN1Integer(
                                        new BigInteger(1, Arrays.copyOfRange(rs, 0, FIELD_BYTES))),
                                new ASN1Integer(
                                        new BigInteger(
                                                1,
                                                Arrays.copyOfRange(
                                                        rs, FIELD_BYTES, 2 * FIELD_BYTES)))
                            })
                    .getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
