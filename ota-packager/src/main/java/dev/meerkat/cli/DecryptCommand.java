package dev.meerkat.cli;

import dev.meerkat.cli.io.AtomicFiles;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.image.DecryptionKey;
import dev.meerkat.image.ImageDecryptor;
import dev.meerkat.image.ImageVerifier;
import dev.meerkat.image.VerificationKey;
import dev.meerkat.image.VerifiedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "decrypt",
        mixinStandardHelpOptions = true,
        description = {
            "Decrypt an encrypted image after checking its plaintext hash (and signature with -k).",
            "Writes the image with its payload in clear (what an updater writes to a slot), or only the payload."
        })
final class DecryptCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "INFILE")
    Path input;

    @Parameters(index = "1", paramLabel = "OUTFILE")
    Path output;

    @Option(
            names = "--enc-key",
            required = true,
            paramLabel = "FILE",
            description = "Private key the image was encrypted for.")
    Path encKey;

    @Option(
            names = {"-k", "--key"},
            paramLabel = "FILE",
            description = "Also require a signature by this key (repeatable).")
    List<Path> keys = new ArrayList<>();

    @Option(
            names = "--payload-only",
            description = "Write only the decrypted firmware, without header and TLVs.")
    boolean payloadOnly;

    @Override
    public Integer call() throws Exception {
        DecryptionKey dk = KeyFiles.decryptionKey(encKey);
        List<VerificationKey> trusted = keys.stream().map(KeyFiles::verificationKey).toList();
        ImageVerifier v =
                (trusted.isEmpty() ? ImageVerifier.hashOnly() : ImageVerifier.trusting(trusted))
                        .withDecryptionKey(dk);
        try (ImageFiles.Opened img = ImageFiles.open(input)) {
            VerifiedImage r = v.verify(img.source());
            AtomicFiles.write(
                    output,
                    out -> {
                        try {
                            ImageDecryptor.decrypt(img.source(), dk, out, payloadOnly);
                        } catch (dev.meerkat.image.ImageFormatException e) {
                            throw new java.io.IOException(e.getMessage(), e);
                        }
                    });
            PrintWriter o = spec.commandLine().getOut();
            o.printf(
                    "%s: decrypted %s (version %s, plaintext SHA-256 %s)%n",
                    output, payloadOnly ? "payload" : "image", r.version(), r.hashHex());
        }
        return ExitCode.OK;
    }
}
