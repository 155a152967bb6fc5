package dev.meerkat.image;

/**
 * A public key as source code for a bootloader build: the DER SubjectPublicKeyInfo as a C array
 * (the form MCUboot's {@code imgtool getpub -l c} emits) or a Rust slice.
 */
public final class PublicKeyFormats {
    private PublicKeyFormats() {
    }

    /** The array's name MCUboot's key files use for this key type. */
    public static String arrayName(KeyType type) {
        return switch (type) {
            case ECDSA_P256, ECDSA_P384 -> "ecdsa_pub_key";
            case ED25519 -> "ed25519_pub_key";
            case RSA_2048, RSA_3072 -> "rsa_pub_key";
            case X25519 -> "x25519_pub_key";
        };
    }

    /** {@code const unsigned char NAME[] = {...}; const unsigned int NAME_len = N;} under a one-line comment. */
    public static String cArray(VerificationKey key, String comment) {
        String name = arrayName(key.type());
        byte[] der = key.publicBytes();
        StringBuilder sb = new StringBuilder("/* ").append(comment).append(" */\n");
        sb.append("const unsigned char ").append(name).append("[] = {");
        appendBytes(sb, der);
        sb.append("\n};\nconst unsigned int ").append(name).append("_len = ").append(der.length).append(";\n");
        return sb.toString();
    }

    /** {@code static NAME: &[u8] = &[...];} under a one-line comment. */
    public static String rustArray(VerificationKey key, String comment) {
        String name = arrayName(key.type()).toUpperCase(java.util.Locale.ROOT);
        StringBuilder sb = new StringBuilder("/* ").append(comment).append(" */\n");
        sb.append("static ").append(name).append(": &[u8] = &[");
        appendBytes(sb, key.publicBytes());
        sb.append("\n];\n");
        return sb.toString();
    }

    private static void appendBytes(StringBuilder sb, byte[] der) {
        for (int i = 0; i < der.length; i++) {
            sb.append(i % 8 == 0 ? "\n    " : " ").append(String.format("0x%02x,", der[i] & 0xff));
        }
    }
}
