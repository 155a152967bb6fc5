package dev.meerkat.chip;

/** Command opcodes of the ATECC508A/608 command set. */
public final class Opcode {
    public static final int CHECKMAC = 0x28;
    public static final int COUNTER = 0x24;
    public static final int DERIVE_KEY = 0x1C;
    public static final int ECDH = 0x43;
    public static final int GENDIG = 0x15;
    public static final int GENKEY = 0x40;

    /** HMAC command of the ATECC508A (the 608 computes HMAC with the SHA command). */
    public static final int HMAC = 0x11;

    public static final int INFO = 0x30;
    public static final int LOCK = 0x17;
    public static final int MAC = 0x08;
    public static final int NONCE = 0x16;
    public static final int PRIVWRITE = 0x46;
    public static final int RANDOM = 0x1B;
    public static final int READ = 0x02;
    public static final int SIGN = 0x41;
    public static final int SHA = 0x47;
    public static final int UPDATE_EXTRA = 0x20;
    public static final int VERIFY = 0x45;
    public static final int WRITE = 0x12;
    public static final int AES = 0x51;
    public static final int KDF = 0x56;
    public static final int SECUREBOOT = 0x80;
    public static final int SELFTEST = 0x77;

    private Opcode() {}

    public static String name(int opcode) {
        return switch (opcode) {
            case CHECKMAC -> "CheckMac";
            case COUNTER -> "Counter";
            case DERIVE_KEY -> "DeriveKey";
            case ECDH -> "ECDH";
            case GENDIG -> "GenDig";
            case GENKEY -> "GenKey";
            case HMAC -> "HMAC";
            case INFO -> "Info";
            case LOCK -> "Lock";
            case MAC -> "MAC";
            case NONCE -> "Nonce";
            case PRIVWRITE -> "PrivWrite";
            case RANDOM -> "Random";
            case READ -> "Read";
            case SIGN -> "Sign";
            case SHA -> "SHA";
            case UPDATE_EXTRA -> "UpdateExtra";
            case VERIFY -> "Verify";
            case WRITE -> "Write";
            case AES -> "AES";
            case KDF -> "KDF";
            case SECUREBOOT -> "SecureBoot";
            case SELFTEST -> "SelfTest";
            default -> String.format("0x%02X", opcode);
        };
    }
}
