package dev.meerkat.cli;

/**
 * Integers as imgtool reads them: decimal, {@code 0x} hex, {@code 0o}/leading-zero octal or {@code
 * 0b} binary, underscores allowed. Free of picocli on purpose: picocli's classes are Java 5 class
 * files, which the class-data archive cannot hold, so touching one on the fast path of {@code sign}
 * opens the jar (about 15 ms of a 0.2 s call).
 */
final class IntLiterals {
    private IntLiterals() {}

    /**
     * The value of {@code value}.
     *
     * @throws IllegalArgumentException naming the value when it is not a non-negative number
     */
    static long parse(String value) {
        String v = value.trim().replace("_", "");
        long n;
        try {
            if (v.startsWith("0o") || v.startsWith("0O")) n = Long.parseLong(v.substring(2), 8);
            else if (v.startsWith("0b") || v.startsWith("0B"))
                n = Long.parseLong(v.substring(2), 2);
            else n = Long.decode(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "'" + value + "' is not a number (decimal or 0x hex)");
        }
        if (n < 0) throw new IllegalArgumentException("'" + value + "' is negative");
        return n;
    }
}
