package dev.meerkat.cli;

import picocli.CommandLine;

/** Parses integers as imgtool does: decimal, {@code 0x} hex or {@code 0o}/leading-zero octal. */
final class IntLiteral implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        String v = value.trim().replace("_", "");
        try {
            if (v.startsWith("0o") || v.startsWith("0O")) return Long.parseLong(v.substring(2), 8);
            if (v.startsWith("0b") || v.startsWith("0B")) return Long.parseLong(v.substring(2), 2);
            long n = Long.decode(v);
            if (n < 0) throw new CommandLine.TypeConversionException("'" + value + "' is negative");
            return n;
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a number (decimal or 0x hex)");
        }
    }
}
