package dev.meerkat.cli.fleetservice;

import dev.meerkat.cli.io.AtomicFiles;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cli.remote.JwtMinter;
import dev.meerkat.cli.remote.ServiceJar;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meerkat fleet-service}: run the fleet service on embedded defaults and issue its tokens.
 */
@Command(
        name = "fleet-service",
        mixinStandardHelpOptions = true,
        description =
                "Run the fleet service (device registry, releases, phased deployments) and issue its tokens.",
        subcommands = {FleetServiceCommand.Serve.class, FleetServiceCommand.Token.class})
public final class FleetServiceCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static Path defaultDataDir() {
        return Path.of(System.getProperty("user.home"), ".meerkat", "fleet-service");
    }

    /** Creates the JWT issuing key and an admin token once, and the release-keys directory. */
    static void prepare(Path dir, PrintWriter err) throws IOException {
        Files.createDirectories(dir.resolve("tokens"));
        Files.createDirectories(dir.resolve("release-keys"));
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
                        "meerkat fleet-service: created a JWT issuing key and an admin token in "
                                + dir);
        }
    }

    @Command(
            name = "serve",
            mixinStandardHelpOptions = true,
            description = {
                "Start the fleet service on 127.0.0.1 with embedded defaults (H2 file, releases in a directory).",
                "Admin token: DATA_DIR/tokens/admin.jwt; trusted release keys: DATA_DIR/release-keys/*.pem."
            })
    static final class Serve implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(
                names = "--port",
                defaultValue = "8471",
                paramLabel = "PORT",
                description = "Default: ${DEFAULT-VALUE}.")
        int port;

        @Option(
                names = "--data-dir",
                paramLabel = "DIR",
                description = "Database, releases and tokens (default: ~/.meerkat/fleet-service).")
        Path dataDir;

        @Option(
                names = "--release-key",
                paramLabel = "PEM",
                description =
                        "Trust this release public key (copied into the data directory; repeatable).")
        List<Path> releaseKeys;

        @Option(
                names = "--jar",
                paramLabel = "FILE",
                description =
                        "The service's quarkus-run.jar (default: $MEERKAT_FLEET_SERVICE_JAR or the build tree's).")
        Path jar;

        @Option(
                names = "--mqtt",
                paramLabel = "URI",
                description =
                        "MQTT broker (tcp:// or ssl://) for devices reached by mg_rpc OTA.Update (default: MQTT off).")
        String mqtt;

        @Option(
                names = "--no-shared-subscription",
                negatable = false,
                description =
                        "Subscribe to device reports directly instead of through $share/… (a single"
                                + " service on a broker without MQTT 5 shared subscriptions, e.g. Moquette).")
        boolean noSharedSubscription;

        @Option(
                names = "--log",
                paramLabel = "FILE",
                description = "Write the service's output to this file instead of the terminal.")
        Path log;

        @Override
        public Integer call() throws Exception {
            Path dir = (dataDir != null ? dataDir : defaultDataDir()).toAbsolutePath();
            PrintWriter err = spec.commandLine().getErr();
            prepare(dir, err);
            if (releaseKeys != null) {
                for (Path k : releaseKeys) {
                    if (!Files.isRegularFile(k))
                        throw new CliException(ExitCode.IO, "no such key file: " + k);
                    String name = k.getFileName().toString();
                    AtomicFiles.writeBytes(
                            dir.resolve("release-keys")
                                    .resolve(name.endsWith(".pem") ? name : name + ".pem"),
                            Files.readAllBytes(k));
                }
            }
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Dmeerkat.fleet.data-dir=" + dir);
            cmd.add("-Dquarkus.http.port=" + port);
            cmd.add("-Dquarkus.http.host=127.0.0.1");
            // signed download links of the directory store point here
            cmd.add("-Dmeerkat.fleet.public-url=http://127.0.0.1:" + port);
            if (mqtt != null) {
                cmd.add("-Dmeerkat.fleet.mqtt.server=" + mqtt);
                if (noSharedSubscription) cmd.add("-Dmeerkat.fleet.mqtt.shared-subscription=false");
            }
            cmd.add("-jar");
            cmd.add((jar != null ? jar : locateJar()).toString());
            err.printf(
                    "meerkat fleet-service: http://127.0.0.1:%d  data %s  admin token %s%n",
                    port, dir, dir.resolve("tokens").resolve("admin.jwt"));
            err.flush();
            ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
            if (log != null) {
                pb.redirectErrorStream(true).redirectOutput(log.toFile());
            }
            Process p = pb.start();
            Thread hook = new Thread(p::destroy);
            Runtime.getRuntime().addShutdownHook(hook);
            int rc;
            try {
                rc = p.waitFor();
            } catch (InterruptedException stop) {
                // asked to stop (the demo does this): a graceful shutdown, then a hard one
                p.destroy();
                if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly();
                rc = 0;
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // shutting down already
            }
            return rc == 0 || rc == 143 ? ExitCode.OK : ExitCode.IO;
        }

        static Path locateJar() {
            return ServiceJar.locate("fleet-service", "MEERKAT_FLEET_SERVICE_JAR", "fleet service");
        }
    }

    @Command(
            name = "token",
            mixinStandardHelpOptions = true,
            description =
                    "Issue a bearer token signed by the fleet service data directory's JWT key.")
    static final class Token implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(
                names = "--subject",
                required = true,
                paramLabel = "NAME",
                description = "Who the token is for (a device id for role device).")
        String subject;

        @Option(
                names = "--role",
                required = true,
                paramLabel = "ROLE",
                description = "admin, release-manager, operator, viewer or device. Repeatable.")
        List<String> roles;

        @Option(
                names = "--days",
                defaultValue = "30",
                paramLabel = "N",
                description = "Validity. Default: ${DEFAULT-VALUE}.")
        int days;

        @Option(names = "--data-dir", paramLabel = "DIR")
        Path dataDir;

        @Override
        public Integer call() throws Exception {
            Path dir = dataDir != null ? dataDir : defaultDataDir();
            prepare(dir, spec.commandLine().getErr());
            JwtMinter m = JwtMinter.fromPem(Files.readString(dir.resolve("jwt-private.pem")));
            spec.commandLine().getOut().println(m.issue(subject, roles, Duration.ofDays(days)));
            spec.commandLine().getOut().flush();
            return ExitCode.OK;
        }
    }
}
