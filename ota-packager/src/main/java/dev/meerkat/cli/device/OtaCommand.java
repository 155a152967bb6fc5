package dev.meerkat.cli.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.firmware.json.Json;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code meerkat ota URL}: starts the device's update from URL (OTA.Update) and follows OTA.Status
 * through download, reboot and test boot until the update is committed or rolled back. The device
 * is unreachable while it reboots; the command keeps asking until {@code --wait} runs out.
 */
@Command(
        name = "ota",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Update a device from an image URL and follow it until commit or rollback. Progress "
                        + "goes to standard error (a line per step, and every 2 s while downloading); the outcome to "
                        + "standard output.",
        footer = {
            DeviceOptions.PORTS,
            "%nExit codes: 0 committed, 1 rolled back, failed or refused by the device,",
            "2 usage error, 3 device unreachable or no outcome within --wait."
        })
public final class OtaCommand implements Callable<Integer> {

    private static final long POLL_MILLIS = 300;
    private static final long PROGRESS_MILLIS = 2000;

    @Spec CommandSpec spec;

    @Mixin DeviceOptions device;

    @Parameters(
            index = "0",
            paramLabel = "URL",
            description = "The signed image (http:// or https://), as " + "the device fetches it.")
    String url;

    @Option(
            names = "--commit-timeout",
            paramLabel = "SECONDS",
            description =
                    "Healthy seconds of the test boot before the device commits (default: its "
                            + "ota.commit_timeout).")
    Long commitTimeout;

    @Option(
            names = "--wait",
            paramLabel = "SECONDS",
            defaultValue = "600",
            description = "Give up after this long without an outcome (default ${DEFAULT-VALUE}).")
    long waitSeconds;

    @Option(names = "--json", description = "Print the outcome as one JSON document.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw CliException.usage("URL must be http:// or https:// (the device downloads it)");
        }
        if (waitSeconds < 1) {
            throw CliException.usage("--wait must be at least 1 second");
        }
        PrintWriter err = spec.commandLine().getErr();
        try (RpcLink link = device.open()) {
            ObjectNode args = Json.object().put("url", url);
            if (commitTimeout != null) {
                args.put("commit_timeout", commitTimeout);
            }
            JsonNode status = device.call(link, "OTA.Update", args);
            String from = status == null ? "?" : status.path("running_version").asText("?");
            progress(err, "ota: " + link.describe() + " running " + from + " downloads " + url);
            long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
            String lastStep = "";
            long lastProgress = System.nanoTime();
            boolean unreachable = false;
            while (System.nanoTime() < deadline) {
                Thread.sleep(POLL_MILLIS);
                try {
                    status = device.call(link, "OTA.Status", null);
                } catch (CliException e) {
                    if (e.exitCode() != ExitCode.IO) {
                        throw e;
                    }
                    if (!unreachable) {
                        progress(err, "ota: device not answering (rebooting?); waiting");
                        unreachable = true;
                    }
                    continue;
                }
                unreachable = false;
                String phase = status.path("phase").asText("");
                if (phase.equals("idle") && status.has("result")) {
                    return outcome(status.get("result"));
                }
                String step = step(status);
                boolean downloading = phase.equals("downloading") && status.has("total");
                boolean due = System.nanoTime() - lastProgress > PROGRESS_MILLIS * 1_000_000;
                if (!step.equals(lastStep) || (downloading && due)) {
                    progress(
                            err,
                            "ota: "
                                    + step
                                    + (downloading
                                            ? " "
                                                    + status.path("bytes")
                                                            .asLong(status.path("offset").asLong(0))
                                                    + "/"
                                                    + status.get("total").asLong()
                                                    + " bytes"
                                            : ""));
                    lastStep = step;
                    lastProgress = System.nanoTime();
                }
            }
            throw new CliException(
                    ExitCode.IO,
                    "no outcome within "
                            + waitSeconds
                            + " s; last seen: "
                            + (status == null ? "nothing" : step(status)));
        }
    }

    private static String step(JsonNode s) {
        String phase = s.path("phase").asText("");
        String boot = s.path("boot").path("phase").asText("");
        String version = s.path("version").asText("");
        return switch (phase) {
            case "downloading" -> "downloading" + (version.isEmpty() ? "" : " " + version);
            case "decrypting" -> "decrypting " + version;
            case "installed" ->
                    boot.equals("test") || !s.path("boot").path("committed").asBoolean(true)
                            ? "test boot of " + version + ", waiting for commit"
                            : "installed " + version + ", rebooting";
            default -> phase;
        };
    }

    private int outcome(JsonNode result) {
        String state = result.path("state").asText("");
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = Json.object();
            o.put("outcome", state);
            o.setAll((ObjectNode) result.deepCopy());
            o.remove("state");
            DeviceJson.print(out, o, true);
        } else {
            String version = result.path("version").asText("?");
            String running = result.path("running").asText("?");
            String why =
                    result.hasNonNull("reason")
                            ? ": "
                                    + result.path("reason").asText()
                                    + " ("
                                    + result.path("description").asText()
                                    + ")"
                            : result.hasNonNull("error")
                                    ? ": " + result.path("error").asText()
                                    : result.hasNonNull("detail")
                                            ? ": " + result.path("detail").asText()
                                            : "";
            out.println(
                    switch (state) {
                        case "committed" -> "committed " + version + "; running " + running;
                        case "rolled_back" ->
                                "rolled back " + version + why + "; running " + running;
                        default -> state + " " + version + why + "; running " + running;
                    });
            out.flush();
        }
        return state.equals("committed") ? ExitCode.OK : ExitCode.INVALID;
    }

    private static void progress(PrintWriter err, String line) {
        err.println(line);
        err.flush();
    }
}
