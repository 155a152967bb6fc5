package dev.meerkat.image;

/** TLV type numbers of the MCUboot image trailer and the names imgtool prints for them. */
public final class TlvType {
    public static final int KEYHASH = 0x01;
    public static final int PUBKEY = 0x02;
    public static final int SHA256 = 0x10;
    public static final int SHA384 = 0x11;
    public static final int SHA512 = 0x12;
    public static final int RSA2048_PSS = 0x20;
    public static final int ECDSA_SIG = 0x22;
    public static final int RSA3072_PSS = 0x23;
    public static final int ED25519 = 0x24;
    public static final int SIG_PURE = 0x25;
    public static final int ENC_RSA2048 = 0x30;
    public static final int ENC_KW = 0x31;
    public static final int ENC_EC256 = 0x32;
    public static final int ENC_X25519 = 0x33;
    public static final int DEPENDENCY = 0x40;
    public static final int SEC_CNT = 0x50;
    public static final int BOOT_RECORD = 0x60;

    /** Magic of the protected TLV area info header. */
    public static final int PROTECTED_INFO_MAGIC = 0x6908;

    /** Magic of the unprotected TLV area info header. */
    public static final int INFO_MAGIC = 0x6907;

    private TlvType() {}

    /** The name imgtool's dumpinfo prints, or {@code UNKNOWN}. */
    public static String name(int type) {
        return switch (type) {
            case KEYHASH -> "KEYHASH";
            case PUBKEY -> "PUBKEY";
            case SHA256 -> "SHA256";
            case SHA384 -> "SHA384";
            case SHA512 -> "SHA512";
            case RSA2048_PSS -> "RSA2048";
            case ECDSA_SIG -> "ECDSASIG";
            case RSA3072_PSS -> "RSA3072";
            case ED25519 -> "ED25519";
            case SIG_PURE -> "SIG_PURE";
            case ENC_RSA2048 -> "ENCRSA2048";
            case ENC_KW -> "ENCKW";
            case ENC_EC256 -> "ENCEC256";
            case ENC_X25519 -> "ENCX25519";
            case DEPENDENCY -> "DEPENDENCY";
            case SEC_CNT -> "SEC_CNT";
            case BOOT_RECORD -> "BOOT_RECORD";
            default -> "UNKNOWN";
        };
    }

    /** True for the TLV types that carry an image signature. */
    public static boolean isSignature(int type) {
        return type == RSA2048_PSS || type == ECDSA_SIG || type == RSA3072_PSS || type == ED25519;
    }

    /** True for the TLV types that carry a wrapped image encryption key. */
    public static boolean isEncryptionKey(int type) {
        return type == ENC_RSA2048 || type == ENC_KW || type == ENC_EC256 || type == ENC_X25519;
    }
}
