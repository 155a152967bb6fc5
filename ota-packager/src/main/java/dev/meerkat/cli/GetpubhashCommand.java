package dev.meerkat.cli;

import dev.meerkat.cli.io.AtomicFiles;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.image.SourceArrays;
import dev.meerkat.image.VerificationKey;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * imgtool's {@code getpubhash}: the SHA-256 of the public key the bootloader pins (the KEYHASH TLV
 * value).
 */
@Command(
        name = "getpubhash",
        mixinStandardHelpOptions = true,
        description =
                "Print the SHA-256 of the public key (the KEYHASH an image carries) as a C array or raw bytes, like imgtool getpubhash.")
final class GetpubhashCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(
            names = {"-k", "--key"},
            required = true,
            paramLabel = "FILE",
            description = "Private or public key PEM.")
    Path keyFile;

    @Option(
            names = {"-e", "--encoding"},
            defaultValue = "lang-c",
            paramLabel = "lang-c|raw",
            description = "Default: ${DEFAULT-VALUE}.")
    String encoding;

    @Option(
            names = "--name-suffix",
            paramLabel = "SUFFIX",
            defaultValue = "",
            description = "Append SUFFIX to the C symbol names (lang-c only).")
    String nameSuffix;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FILE",
            description = "Write to FILE instead of stdout.")
    Path output;

    @Override
    public Integer call() throws Exception {
        if (!encoding.equals("lang-c") && !encoding.equals("raw"))
            throw CliException.usage("-e must be lang-c or raw");
        if (!nameSuffix.isEmpty() && encoding.equals("raw")) {
            throw CliException.usage("--name-suffix is only meaningful for the lang-c encoding");
        }
        VerificationKey k = KeyFiles.verificationKey(keyFile);
        byte[] result =
                encoding.equals("raw")
                        ? k.keyHash()
                        : SourceArrays.c(
                                        GetpubCommand.NOTICE,
                                        GetpubCommand.shortName(k) + "_pub_key_hash" + nameSuffix,
                                        k.keyHash(),
                                        true)
                                .getBytes(StandardCharsets.US_ASCII);
        if (output != null) {
            AtomicFiles.writeBytes(output, result);
        } else if (encoding.equals("raw")) {
            System.out.write(result);
            System.out.flush();
        } else {
            PrintWriter o = spec.commandLine().getOut();
            o.print(new String(result, StandardCharsets.US_ASCII));
            o.flush();
        }
        return ExitCode.OK;
    }
}
