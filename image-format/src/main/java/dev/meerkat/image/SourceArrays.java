package dev.meerkat.image;

/**
 * Bytes as source code for a bootloader build (keys, key hashes), laid out byte for byte as imgtool
 * lays them out: eight bytes a line, under a one-line comment. The one home of that layout.
 */
public final class SourceArrays {

    private SourceArrays() {}

    /**
     * {@code const unsigned char NAME[] = {...};} and, with {@code withLength}, {@code NAME_len}.
     */
    public static String c(String comment, String name, byte[] bytes, boolean withLength) {
        StringBuilder sb = new StringBuilder("/* ").append(comment).append(" */\n");
        sb.append("const unsigned char ").append(name).append("[] = {");
        appendBytes(sb, bytes);
        sb.append("\n};\n");
        if (withLength) {
            sb.append("const unsigned int ")
                    .append(name)
                    .append("_len = ")
                    .append(bytes.length)
                    .append(";\n");
        }
        return sb.toString();
    }

    /** {@code static NAME: &[u8] = &[...];} (a Rust slice carries its length). */
    public static String rust(String comment, String name, byte[] bytes) {
        StringBuilder sb = new StringBuilder("/* ").append(comment).append(" */\n");
        sb.append("static ").append(name).append(": &[u8] = &[");
        appendBytes(sb, bytes);
        sb.append("\n];\n");
        return sb.toString();
    }

    private static void appendBytes(StringBuilder sb, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            sb.append(i % 8 == 0 ? "\n    " : " ");
            sb.append(String.format("0x%02x,", bytes[i] & 0xFF));
        }
    }
}
