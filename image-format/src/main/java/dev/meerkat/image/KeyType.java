package dev.meerkat.image;

import java.util.Arrays;

/** Key algorithms Meerkat generates and accepts, with imgtool's names. */
public enum KeyType {
    ECDSA_P256("ecdsa-p256", TlvType.ECDSA_SIG),
    ECDSA_P384("ecdsa-p384", TlvType.ECDSA_SIG),
    ED25519("ed25519", TlvType.ED25519),
    RSA_2048("rsa-2048", TlvType.RSA2048_PSS),
    RSA_3072("rsa-3072", TlvType.RSA3072_PSS),
    /** Encryption only: ECIES-X25519 image key wrapping. */
    X25519("x25519", -1);

    private final String cliName;
    private final int signatureTlv;

    KeyType(String cliName, int signatureTlv) {
        this.cliName = cliName;
        this.signatureTlv = signatureTlv;
    }

    /** The name used on the command line, e.g. {@code ecdsa-p256}. */
    public String cliName() {
        return cliName;
    }

    public boolean canSign() {
        return signatureTlv >= 0;
    }

    /** TLV type of signatures made with this key type. */
    public int signatureTlv() {
        if (!canSign()) throw new IllegalStateException(cliName + " keys cannot sign images");
        return signatureTlv;
    }

    /**
     * Parses a CLI name; imgtool's short names (ecdsa-p256, rsa-2048, ed25519, x25519) are the
     * same.
     */
    public static KeyType fromCliName(String name) {
        for (KeyType t : values()) {
            if (t.cliName.equalsIgnoreCase(name)) return t;
        }
        throw new IllegalArgumentException(
                "unknown key type '"
                        + name
                        + "', expected one of "
                        + Arrays.stream(values()).map(KeyType::cliName).toList());
    }
}
