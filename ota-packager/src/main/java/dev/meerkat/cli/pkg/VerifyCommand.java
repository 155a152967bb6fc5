package dev.meerkat.cli.pkg;

import dev.meerkat.fwzip.FwBundle;
import dev.meerkat.fwzip.FwKeys;
import dev.meerkat.fwzip.FwVerification;
import dev.meerkat.fwzip.FwZipException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meerkat package verify}: checks part sizes, checksums and signatures. */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Verify a fw.zip bundle: every part's size, SHA-1 and SHA-256, and the"
                    + " manifest signatures.",
            "With --key, at least one signature must match one of the keys."
        },
        footer = {"%nExit codes: 0 valid, 1 invalid, 2 usage error, 3 I/O error."})
final class VerifyCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = {"-k", "--key"},
            paramLabel = "KEY.pem",
            description =
                    "Public key (SPKI PEM;"
                            + " a private key or certificate also works). Repeatable.")
    List<Path> keys = new ArrayList<>();

    @Option(names = "--require-signature", description = "Fail unless a signature matches a key.")
    boolean requireSignature;

    @Option(names = "--json", description = "Print a JSON report.")
    boolean json;

    @Parameters(paramLabel = "FW.zip", description = "The bundle.")
    Path file;

    @Override
    public Integer call() {
        if (requireSignature && keys.isEmpty()) {
            return PackageCommand.usage(spec, "--require-signature needs at least one --key");
        }
        List<PublicKey> pubs = new ArrayList<>();
        for (Path k : keys) {
            try {
                pubs.add(FwKeys.readPublicKey(k));
            } catch (FwZipException e) {
                return PackageCommand.fail(spec, null, e);
            }
        }
        FwVerification v;
        try (FwBundle b = FwBundle.open(file)) {
            v = b.verify(pubs, requireSignature);
        } catch (FwZipException e) {
            if (json && e.problem() != FwZipException.Problem.IO) {
                PrintWriter out = spec.commandLine().getOut();
                var o = BundleJson.MAPPER.createObjectNode();
                o.put("file", file.toString());
                o.put("valid", false);
                o.put("error", e.getMessage());
                o.put("problem", e.problem().name());
                out.println(BundleJson.write(o));
                out.flush();
            }
            return PackageCommand.fail(spec, file, e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(BundleJson.write(BundleJson.verify(file, v)));
        } else {
            for (FwVerification.PartResult p : v.parts()) {
                if (!p.hasData()) {
                    out.printf("  part %-10s no data%n", p.name());
                } else if (p.ok()) {
                    out.printf(
                            "  part %-10s %s: %d bytes, size ok, sha1 ok, sha256 ok%n",
                            p.name(), p.entry(), p.actualSize());
                } else {
                    out.printf("  part %-10s %s: FAILED: %s%n", p.name(), p.entry(), p.error());
                }
            }
            for (FwVerification.SignatureResult s : v.signatures()) {
                out.printf(
                        "  sig%d: %s%n",
                        s.slot(),
                        s.matched()
                                ? "valid, key "
                                        + keys.get(s.matchedKey())
                                        + " ("
                                        + s.keyFingerprint()
                                        + ")"
                                : pubs.isEmpty()
                                        ? "not checked (no --key)"
                                        : "matches no given key");
            }
            for (String p : v.problems()) {
                out.println("  " + p);
            }
            if (v.valid()) {
                out.println(
                        file
                                + ": VALID"
                                + (v.signatureMatched()
                                        ? ", signed"
                                        : v.signed()
                                                ? " (signatures not checked)"
                                                : " (unsigned)"));
            } else {
                out.println(file + ": INVALID");
            }
        }
        out.flush();
        if (!v.valid() && !json) {
            PrintWriter err = spec.commandLine().getErr();
            String why =
                    v.problems().isEmpty()
                            ? v.parts().stream()
                                    .filter(p -> !p.ok())
                                    .map(p -> "part '" + p.name() + "': " + p.error())
                                    .findFirst()
                                    .orElse("invalid")
                            : v.problems().get(0);
            err.println(PackageCommand.prefix(spec) + file + ": " + why);
            err.flush();
        }
        return v.valid() ? PackageCommand.OK : PackageCommand.INVALID;
    }
}
