package dev.meerkat.chip;

import java.util.HexFormat;

/** Hex helpers for packets, logs and the kit protocol. */
public final class Hex {
    private static final HexFormat UPPER = HexFormat.of().withUpperCase();

    private Hex() {}

    public static String format(byte[] b) {
        return b == null ? "null" : UPPER.formatHex(b);
    }

    public static byte[] parse(String s) {
        String clean = s.replaceAll("\\s", "");
        return HexFormat.of().parseHex(clean);
    }
}
