package dev.meerkat.cli;

import picocli.CommandLine;

/** The picocli converter for integer options, read as imgtool does ({@link IntLiterals}). */
final class IntLiteral implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        try {
            return IntLiterals.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
