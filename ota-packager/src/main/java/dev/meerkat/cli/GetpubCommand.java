package dev.meerkat.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.meerkat.image.VerificationKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "getpub", mixinStandardHelpOptions = true,
        description = "Print the public key of a key file: PEM, a C or Rust array for the bootloader, raw DER, or its KEYHASH.")
final class GetpubCommand implements Callable<Integer> {

    enum Encoding { pem, c, lang_c, rust, lang_rust, raw, keyhash }

    @Spec
    CommandSpec spec;

    @Option(names = {"-k", "--key"}, required = true, paramLabel = "FILE", description = "Private or public key PEM.")
    Path keyFile;

    @Option(names = {"-e", "--encoding"}, defaultValue = "c", paramLabel = "FORMAT",
            converter = EncodingConverter.class,
            description = "pem, c (lang-c), rust (lang-rust), raw (DER bytes) or keyhash (hex SHA-256). Default: ${DEFAULT-VALUE}.")
    Encoding encoding;

    @Option(names = {"-l", "--lang"}, paramLabel = "c|rust", hidden = true,
            description = "imgtool's older spelling of -e lang-c / -e lang-rust.")
    String lang;

    @Option(names = "--name-suffix", paramLabel = "SUFFIX", defaultValue = "",
            description = "Append SUFFIX to the C/Rust symbol names (several keys in one build).")
    String nameSuffix;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of stdout.")
    Path output;

    @Override
    public Integer call() throws Exception {
        if (lang != null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("-e")) {
                throw CliException.usage("give only one of -e/--encoding and -l/--lang");
            }
            encoding = new EncodingConverter().convert(lang);
        }
        if (!nameSuffix.isEmpty() && (encoding == Encoding.pem || encoding == Encoding.raw)) {
            throw CliException.usage("--name-suffix is only meaningful for lang-c / lang-rust encodings");
        }
        VerificationKey k = KeyFiles.verificationKey(keyFile);
        byte[] der = k.publicBytes();
        String name = shortName(k) + "_pub_key" + nameSuffix;
        byte[] result = switch (encoding) {
            case pem -> k.toPem().getBytes(StandardCharsets.US_ASCII);
            case raw -> der;
            case keyhash -> (k.keyHashHex() + "\n").getBytes(StandardCharsets.US_ASCII);
            case c, lang_c -> CArrays.emit(name, der, true).getBytes(StandardCharsets.US_ASCII);
            case rust, lang_rust -> CArrays.emitRust(name.toUpperCase(), der).getBytes(StandardCharsets.US_ASCII);
        };
        if (output != null) {
            AtomicFiles.writeBytes(output, result);
        } else if (encoding == Encoding.raw) {
            System.out.write(result);
            System.out.flush();
        } else {
            PrintWriter o = spec.commandLine().getOut();
            o.print(new String(result, StandardCharsets.US_ASCII));
            o.flush();
        }
        return ExitCode.OK;
    }

    /** imgtool's short name of a key type, the stem of the C symbols. */
    static String shortName(VerificationKey k) {
        return switch (k.type()) {
            case ECDSA_P256 -> "ecdsa";
            case ECDSA_P384 -> "ecdsap384";
            case ED25519 -> "ed25519";
            case RSA_2048, RSA_3072 -> "rsa";
            case X25519 -> "x25519";
        };
    }

    static final class EncodingConverter implements picocli.CommandLine.ITypeConverter<Encoding> {
        @Override
        public Encoding convert(String value) {
            try {
                return Encoding.valueOf(value.toLowerCase().replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value
                        + "' is not one of pem, c, lang-c, rust, lang-rust, raw, keyhash");
            }
        }
    }
}
