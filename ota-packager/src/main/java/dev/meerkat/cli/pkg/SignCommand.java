package dev.meerkat.cli.pkg;

import dev.meerkat.fwzip.FwBundleWriter;
import dev.meerkat.fwzip.FwKeys;
import dev.meerkat.fwzip.FwSignature;
import dev.meerkat.fwzip.FwZipException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meerkat package sign}: adds a signature to an existing bundle. */
@Command(
        name = "sign",
        mixinStandardHelpOptions = true,
        description = {
            "Add an ECDSA P-256 signature of manifest.json to a fw.zip bundle, in the"
                    + " lowest free slot (sig0..sig7) unless --slot is given.",
            "The manifest and part data are kept byte for byte; the file is rewritten atomically."
        })
final class SignCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = {"-k", "--key"},
            required = true,
            paramLabel = "KEY.pem",
            description = "Private key (PKCS#8 or SEC1 PEM).")
    Path key;

    @Option(names = "--slot", paramLabel = "N", description = "Signature slot 0..7.")
    Integer slot;

    @Parameters(paramLabel = "FW.zip", description = "The bundle to sign in place.")
    Path file;

    @Override
    public Integer call() {
        if (slot != null && (slot < 0 || slot > FwSignature.MAX_SLOT)) {
            return PackageCommand.usage(spec, "--slot must be 0.." + FwSignature.MAX_SLOT);
        }
        PrivateKey k;
        try {
            k = FwKeys.readPrivateKey(key);
        } catch (FwZipException e) {
            return PackageCommand.fail(spec, null, e);
        }
        try {
            FwSignature s =
                    FwBundleWriter.addSignature(
                            file, k, slot == null ? OptionalInt.empty() : OptionalInt.of(slot));
            spec.commandLine()
                    .getOut()
                    .println(
                            "Signed "
                                    + file
                                    + " ("
                                    + s.key()
                                    + ", key "
                                    + FwKeys.fingerprint(FwKeys.publicKey(k))
                                    + ")");
            spec.commandLine().getOut().flush();
            return PackageCommand.OK;
        } catch (FwZipException e) {
            return PackageCommand.fail(spec, file, e);
        }
    }
}
