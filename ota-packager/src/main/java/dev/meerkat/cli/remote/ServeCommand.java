package dev.meerkat.cli.remote;

import dev.meerkat.cli.io.AtomicFiles;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meerkat serve}: runs the signing service on embedded defaults (127.0.0.1, H2 file
 * database, encrypted software key store) in a data directory. The first start creates the key
 * store password, the JWT issuing key and an admin token there; {@code meerkat serve token} issues
 * more tokens.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Start the signing service on 127.0.0.1 with embedded defaults (H2, software key store).",
            "Tokens: DATA_DIR/tokens/admin.jwt; issue others with 'meerkat serve token'."
        },
        subcommands = ServeCommand.Token.class)
public final class ServeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--port",
            defaultValue = "8470",
            paramLabel = "PORT",
            description = "Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Database, key store and tokens (default: ~/.meerkat/signing-service).")
    Path dataDir;

    @Option(
            names = "--jar",
            paramLabel = "FILE",
            description =
                    "The service's quarkus-run.jar (default: $MEERKAT_SERVICE_JAR or the build tree's).")
    Path jar;

    @Option(names = "--json-logs", description = "Log JSON lines.")
    boolean jsonLogs;

    static Path defaultDataDir() {
        return Path.of(System.getProperty("user.home"), ".meerkat", "signing-service");
    }

    @Override
    public Integer call() throws Exception {
        Path dir = dataDir != null ? dataDir : defaultDataDir();
        String password = prepare(dir, spec.commandLine().getErr());
        Path runner = jar != null ? jar : locateJar();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Dmeerkat.data-dir=" + dir.toAbsolutePath());
        cmd.add("-Dquarkus.http.port=" + port);
        cmd.add("-Dquarkus.http.host=127.0.0.1");
        if (jsonLogs) cmd.add("-Dquarkus.log.console.json.enabled=true");
        cmd.add("-jar");
        cmd.add(runner.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        if (System.getenv("MEERKAT_KEYSTORE_PASSWORD") == null)
            pb.environment().put("MEERKAT_KEYSTORE_PASSWORD", password);
        if (System.getenv("MEERKAT_DB_PASSWORD") == null) {
            pb.environment()
                    .put(
                            "MEERKAT_DB_PASSWORD",
                            Files.readString(dir.resolve("db.password")).strip());
        }
        PrintWriter err = spec.commandLine().getErr();
        err.printf(
                "meerkat serve: http://127.0.0.1:%d  data %s  admin token %s%n",
                port, dir, dir.resolve("tokens").resolve("admin.jwt"));
        err.flush();
        Process p = pb.start();
        Thread hook = new Thread(p::destroy);
        Runtime.getRuntime().addShutdownHook(hook);
        int rc = p.waitFor();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // shutting down already
        }
        return rc == 0 || rc == 143 ? ExitCode.OK : ExitCode.IO;
    }

    /**
     * Creates the key store password, the JWT key pair and an admin token once; returns the
     * password.
     */
    static String prepare(Path dir, PrintWriter err) throws IOException {
        Files.createDirectories(dir.resolve("tokens"));
        Path pw = dir.resolve("keystore.password");
        if (!Files.exists(pw)) {
            byte[] r = new byte[24];
            new SecureRandom().nextBytes(r);
            AtomicFiles.write(
                    pw, out -> out.write(Base64.getUrlEncoder().withoutPadding().encode(r)), true);
        }
        Path dbPassword = dir.resolve("db.password");
        if (!Files.exists(dbPassword)) {
            // A database made before this file existed was created with the old fixed password.
            byte[] value;
            if (Files.exists(dir.resolve("meerkat.mv.db"))) {
                value = "meerkat".getBytes(StandardCharsets.US_ASCII);
            } else {
                byte[] r = new byte[24];
                new SecureRandom().nextBytes(r);
                value = Base64.getUrlEncoder().withoutPadding().encode(r);
            }
            AtomicFiles.write(dbPassword, out -> out.write(value), true);
        }
        Path priv = dir.resolve("jwt-private.pem");
        if (!Files.exists(priv)) {
            KeyPair kp = JwtMinter.newKeyPair();
            AtomicFiles.write(
                    priv,
                    out ->
                            out.write(
                                    JwtMinter.pem("PRIVATE KEY", kp.getPrivate().getEncoded())
                                            .getBytes(StandardCharsets.US_ASCII)),
                    true);
            AtomicFiles.writeBytes(
                    dir.resolve("jwt-public.pem"),
                    JwtMinter.pem("PUBLIC KEY", kp.getPublic().getEncoded())
                            .getBytes(StandardCharsets.US_ASCII));
            String admin =
                    new JwtMinter(kp.getPrivate())
                            .issue("admin", List.of("admin"), Duration.ofDays(30));
            AtomicFiles.write(
                    dir.resolve("tokens").resolve("admin.jwt"),
                    out -> out.write((admin + "\n").getBytes(StandardCharsets.US_ASCII)),
                    true);
            if (err != null)
                err.println(
                        "meerkat serve: created a JWT issuing key and an admin token in " + dir);
        }
        return Files.readString(pw).strip();
    }

    private static Path locateJar() {
        return ServiceJar.locate("signing-service", "MEERKAT_SERVICE_JAR", "signing service");
    }

    @Command(
            name = "token",
            mixinStandardHelpOptions = true,
            description = "Issue a bearer token signed by the serve data directory's JWT key.")
    static final class Token implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(
                names = "--subject",
                required = true,
                paramLabel = "NAME",
                description = "Who the token is for.")
        String subject;

        @Option(
                names = "--role",
                required = true,
                paramLabel = "ROLE",
                description =
                        "admin, release-engineer, ci-pipeline, approver, factory-station or auditor. Repeatable.")
        List<String> roles;

        @Option(
                names = "--days",
                defaultValue = "30",
                paramLabel = "N",
                description = "Validity. Default: ${DEFAULT-VALUE}.")
        int days;

        @Option(
                names = "--data-dir",
                paramLabel = "DIR",
                description =
                        "The service's data directory (default: ~/.meerkat/signing-service, as 'meerkat serve').")
        Path dataDir;

        @Override
        public Integer call() throws Exception {
            Path dir = dataDir != null ? dataDir : defaultDataDir();
            prepare(dir, spec.commandLine().getErr());
            JwtMinter m = JwtMinter.fromPem(Files.readString(dir.resolve("jwt-private.pem")));
            String token;
            try {
                token = m.issue(subject, roles, Duration.ofDays(days));
            } catch (IllegalArgumentException e) {
                throw CliException.invalid("--subject: " + e.getMessage());
            }
            // The token is only accepted by a service started on the same data directory: say which
            // one.
            spec.commandLine()
                    .getErr()
                    .println(
                            "meerkat serve token: signed with the key of data directory "
                                    + dir
                                    + " (a service started with another --data-dir rejects it)");
            spec.commandLine().getErr().flush();
            spec.commandLine().getOut().println(token);
            spec.commandLine().getOut().flush();
            return ExitCode.OK;
        }
    }
}
