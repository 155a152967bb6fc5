package dev.meerkat.cli;

import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cli.io.JsonOutput;
import dev.meerkat.image.DecryptionKey;
import dev.meerkat.image.ImageFormatException;
import dev.meerkat.image.ImageVerifier;
import dev.meerkat.image.VerificationKey;
import dev.meerkat.image.VerifiedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Check an MCUboot image: structure, SHA-256 and a signature by one of the given keys.",
            "Exit 0 when valid, 1 when invalid, 2 on usage errors."
        })
final class VerifyCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    // Set when FastStart runs this command without picocli; otherwise picocli's streams are used.
    PrintWriter out;
    PrintWriter err;

    @Parameters(index = "0", paramLabel = "IMAGE")
    Path image;

    @Option(
            names = {"-k", "--key"},
            paramLabel = "FILE",
            description =
                    "Trusted key (public or private PEM); repeat for key rotation. Without -k only the hash is checked.")
    List<Path> keys = new ArrayList<>();

    @Option(
            names = "--enc-key",
            paramLabel = "FILE",
            description = "Decryption key: decrypt and check the plaintext hash.")
    Path encKey;

    @Option(
            names = "--slot-size",
            converter = IntLiteral.class,
            paramLabel = "SIZE",
            description = "Reject images that do not fit this slot.")
    Long slotSize;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Option(
            names = {"-q", "--quiet"},
            description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        List<VerificationKey> trusted = keys.stream().map(KeyFiles::verificationKey).toList();
        ImageVerifier v =
                trusted.isEmpty() ? ImageVerifier.hashOnly() : ImageVerifier.trusting(trusted);
        if (encKey != null) {
            DecryptionKey dk = KeyFiles.decryptionKey(encKey);
            v = v.withDecryptionKey(dk);
        }
        if (slotSize != null) v = v.withMaxSize(slotSize);
        PrintWriter o = out();
        // An ordered map rather than a Jackson tree: Jackson is loaded only when --json prints.
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("file", image.toString());
        try (ImageFiles.Opened img = ImageFiles.open(image);
                Progress progress =
                        new Progress(
                                err(),
                                "verifying",
                                img.source().size(),
                                json ? Progress.Mode.OFF : Progress.mode(quiet))) {
            VerifiedImage r = v.withProgress(progress).verify(img.source());
            if (json) {
                result.put("valid", true);
                result.put("version", r.version().toString());
                result.put("hash", r.hashHex());
                result.put("signedBy", r.signer().map(VerificationKey::keyHashHex).orElse(null));
                result.put("keyType", r.signer().map(k -> k.type().cliName()).orElse(null));
                if (r.securityCounter().isPresent())
                    result.put("securityCounter", r.securityCounter().getAsLong());
                result.put("encrypted", r.encrypted());
                JsonOutput.print(o, result);
            } else {
                o.println(
                        image
                                + ": valid: version "
                                + r.version()
                                + ", SHA-256 "
                                + r.hashHex()
                                + ", "
                                + r.signer()
                                        .map(k -> "signed by " + k)
                                        .orElse("hash only (no key given)")
                                + (r.encrypted()
                                        ? ", encrypted payload decrypted and checked"
                                        : ""));
            }
            return ExitCode.OK;
        } catch (ImageFormatException e) {
            if (json) {
                result.put("valid", false);
                result.put("problem", e.problem().name());
                if (e.offset() >= 0) result.put("offset", e.offset());
                result.put("message", e.getMessage());
                JsonOutput.print(o, result);
            } else {
                err().println(image + ": invalid: " + e.getMessage());
            }
            return ExitCode.INVALID;
        }
    }

    private PrintWriter out() {
        return out != null ? out : spec.commandLine().getOut();
    }

    private PrintWriter err() {
        return err != null ? err : spec.commandLine().getErr();
    }
}
