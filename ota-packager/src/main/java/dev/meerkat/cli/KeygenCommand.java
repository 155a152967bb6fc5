package dev.meerkat.cli;

import dev.meerkat.cli.io.AtomicFiles;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.image.DecryptionKey;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.SigningKey;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "keygen",
        mixinStandardHelpOptions = true,
        description = "Generate a private key (PKCS#8 PEM, like imgtool keygen).")
final class KeygenCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(
            names = {"-t", "--type"},
            required = true,
            paramLabel = "TYPE",
            description =
                    "ecdsa-p256, ecdsa-p384, ed25519, rsa-2048, rsa-3072 or x25519 (encryption only).")
    String type;

    @Option(
            names = {"-k", "--key"},
            required = true,
            paramLabel = "FILE",
            description = "Where to write the key.")
    Path keyFile;

    @Option(
            names = {"-p", "--password"},
            description =
                    "Encrypt the key with a password (from $"
                            + KeyFiles.PASSWORD_ENV
                            + " or a prompt).")
    boolean password;

    @Option(names = "--force", description = "Overwrite an existing key file.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        KeyType t;
        try {
            t = KeyType.fromCliName(type);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        if (Files.exists(keyFile) && !force) {
            throw CliException.usage(
                    keyFile + ": already exists; refusing to overwrite a key (use --force)");
        }
        char[] pw = null;
        if (password) {
            pw = KeyFiles.password("Password for " + keyFile + ": ");
            if (pw == null || pw.length == 0) {
                throw CliException.usage(
                        "--password needs $"
                                + KeyFiles.PASSWORD_ENV
                                + " or a terminal to prompt on");
            }
        }
        String pem;
        String keyHash;
        if (t == KeyType.X25519) {
            pem = DecryptionKey.generate(t).toPem(pw);
            keyHash = null;
        } else {
            SigningKey k = SigningKey.generate(t);
            pem = k.toPem(pw);
            keyHash = k.verificationKey().keyHashHex();
        }
        AtomicFiles.write(keyFile, out -> out.write(pem.getBytes(StandardCharsets.US_ASCII)), true);
        PrintWriter o = spec.commandLine().getOut();
        o.println(
                "wrote "
                        + t.cliName()
                        + " private key to "
                        + keyFile
                        + (pw != null ? " (encrypted)" : "")
                        + (keyHash != null ? ", KEYHASH " + keyHash : ""));
        return ExitCode.OK;
    }
}
