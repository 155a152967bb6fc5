package dev.meerkat.cli;

import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * imgtool's {@code keyinfo}: is a key file a key pair or only a public key; a build can gate on it.
 */
@Command(
        name = "keyinfo",
        mixinStandardHelpOptions = true,
        description =
                "Print 'private' for a key-pair PEM or 'public' for a public-only PEM; --require makes a mismatch exit 2.")
final class KeyinfoCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = {"-k", "--key"},
            required = true,
            paramLabel = "FILE",
            description = "Key PEM.")
    Path keyFile;

    @Option(
            names = "--require",
            paramLabel = "private|public",
            description = "Exit 2 unless the key is of this kind.")
    String require;

    @Override
    public Integer call() throws IOException {
        if (require != null && !require.equals("private") && !require.equals("public")) {
            throw CliException.usage("--require must be private or public");
        }
        Object obj;
        try (PEMParser p = new PEMParser(new StringReader(KeyFiles.read(keyFile)))) {
            obj = p.readObject();
        } catch (IOException e) {
            throw CliException.usage(keyFile + ": not a readable PEM key: " + e.getMessage());
        }
        if (obj == null) throw CliException.usage(keyFile + ": no PEM key found");
        String kind = obj instanceof SubjectPublicKeyInfo ? "public" : "private";
        spec.commandLine().getOut().println(kind);
        spec.commandLine().getOut().flush();
        if (require != null && !kind.equals(require)) {
            throw CliException.usage(
                    "key " + keyFile + " is " + kind + ", but " + require + " was required");
        }
        return ExitCode.OK;
    }
}
