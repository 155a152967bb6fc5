package dev.meerkat.cli.remote;

import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a built Quarkus service is: the jar an environment variable names, or the one in the source
 * tree.
 */
public final class ServiceJar {

    private ServiceJar() {}

    /**
     * {@code $envVar} if set, else {@code <module>/target/quarkus-app/quarkus-run.jar} found by
     * walking up from the CLI's own jar (ota-packager/target/meerkat-cli.jar or target/classes).
     */
    public static Path locate(String module, String envVar, String what) {
        String env = System.getenv(envVar);
        if (env != null) return Path.of(env);
        try {
            Path cli =
                    Path.of(
                            ServiceJar.class
                                    .getProtectionDomain()
                                    .getCodeSource()
                                    .getLocation()
                                    .toURI());
            for (Path p = cli.getParent(); p != null; p = p.getParent()) {
                Path candidate = p.resolve(module + "/target/quarkus-app/quarkus-run.jar");
                if (Files.isRegularFile(candidate)) return candidate;
            }
        } catch (URISyntaxException | RuntimeException ignored) {
            // not run from a jar in the source tree: fall through
        }
        throw new CliException(
                ExitCode.IO,
                "the "
                        + what
                        + " is not built: run 'mvn -pl "
                        + module
                        + " -am package -DskipTests' (./meerkat does this) or set "
                        + envVar);
    }
}
