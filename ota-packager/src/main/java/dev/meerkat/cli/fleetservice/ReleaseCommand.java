package dev.meerkat.cli.fleetservice;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meerkat release}: releases held by the fleet service. */
@Command(
        name = "release",
        mixinStandardHelpOptions = true,
        description = "Upload and list firmware releases of the fleet service.",
        subcommands = {ReleaseCommand.Upload.class, ReleaseCommand.List.class})
public final class ReleaseCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static String row(JsonNode r) {
        return String.format(
                "%-28s %-10s %-8s %-14s %,12d  %s",
                r.path("id").asText(),
                r.path("version").asText(),
                r.path("format").asText(),
                r.path("platform").asText(),
                r.path("size").asLong(),
                r.path("sha256")
                        .asText()
                        .substring(0, Math.min(16, r.path("sha256").asText().length())));
    }

    @Command(
            name = "upload",
            mixinStandardHelpOptions = true,
            description =
                    "Upload a signed MCUboot image or fw.zip; the service verifies it against its trusted release keys.")
    static final class Upload implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin FleetOptions fleet;

        @Parameters(paramLabel = "FILE", description = "Signed image (.bin) or fw.zip.")
        Path file;

        @Option(
                names = "--id",
                paramLabel = "ID",
                description = "Release id (default: <platform>-<version>).")
        String id;

        @Option(
                names = "--platform",
                paramLabel = "NAME",
                description = "Refuse the upload unless the artifact is for this platform.")
        String platform;

        @Override
        public Integer call() {
            if (!Files.isRegularFile(file))
                throw new CliException(ExitCode.IO, "no such file: " + file);
            StringBuilder q = new StringBuilder();
            if (id != null)
                q.append(q.length() == 0 ? "?" : "&").append("id=").append(FleetClient.encode(id));
            if (platform != null)
                q.append(q.length() == 0 ? "?" : "&")
                        .append("platform=")
                        .append(FleetClient.encode(platform));
            JsonNode r =
                    fleet.client()
                            .postFile("/api/v1/releases" + q, file, "application/octet-stream");
            PrintWriter out = spec.commandLine().getOut();
            if (!fleet.printJson(out, r)) {
                out.printf(
                        "uploaded %s: version %s for %s, signed by key %s%n",
                        r.path("id").asText(),
                        r.path("version").asText(),
                        r.path("platform").asText(),
                        r.path("signerKeyHash").asText().substring(0, 16));
                out.flush();
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List releases.")
    static final class List implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin FleetOptions fleet;

        @Override
        public Integer call() {
            JsonNode all = fleet.client().get("/api/v1/releases");
            PrintWriter out = spec.commandLine().getOut();
            if (!fleet.printJson(out, "releases", all)) {
                for (JsonNode r : all) out.println(row(r));
                out.flush();
            }
            return ExitCode.OK;
        }
    }
}
