package dev.meerkat.cli.fleetservice;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meerkat devices}: the fleet service's device registry. */
@Command(
        name = "devices",
        mixinStandardHelpOptions = true,
        description = "List, show and register devices of the fleet service.",
        subcommands = {
            DevicesCommand.List.class,
            DevicesCommand.Show.class,
            DevicesCommand.Register.class
        })
public final class DevicesCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static Map<String, String> attributes(java.util.List<String> kv) {
        Map<String, String> m = new TreeMap<>();
        if (kv == null) return m;
        for (String a : kv) {
            int eq = a.indexOf('=');
            if (eq <= 0) throw CliException.usage("--attr takes key=value, not " + a);
            m.put(a.substring(0, eq), a.substring(eq + 1));
        }
        return m;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List devices.")
    static final class List implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin FleetOptions fleet;

        @Override
        public Integer call() {
            JsonNode all = fleet.client().get("/api/v1/devices?limit=5000");
            PrintWriter out = spec.commandLine().getOut();
            if (!fleet.printJson(out, "devices", all)) {
                for (JsonNode d : all) {
                    out.printf(
                            "%-24s %-10s %-6s %-25s %s%n",
                            d.path("id").asText(),
                            d.path("reportedVersion").asText("-"),
                            d.path("protocol").asText("-"),
                            d.path("lastSeen").asText("never"),
                            d.path("attributes"));
                }
                out.flush();
            }
            return ExitCode.OK;
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "Show a device and its recent executions (JSON).")
    static final class Show implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin FleetOptions fleet;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            JsonNode d = fleet.client().get("/api/v1/devices/" + FleetClient.encode(id));
            PrintWriter out = spec.commandLine().getOut();
            if (!fleet.printJson(out, d)) FleetOptions.printIndented(out, d);
            return ExitCode.OK;
        }
    }

    @Command(
            name = "register",
            mixinStandardHelpOptions = true,
            description = {
                "Register one device, or every chip of a provisioning journal (meerkat provision --log).",
                "Journal devices are named by chip serial and identified by their certificate fingerprint."
            })
    static final class Register implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin FleetOptions fleet;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Source source;

        @Option(
                names = "--fingerprint",
                paramLabel = "SHA256",
                description = "Certificate SHA-256 fingerprint (hex).")
        String fingerprint;

        @Option(names = "--chip-serial", paramLabel = "SERIAL")
        String chipSerial;

        @Option(
                names = "--token-file",
                paramLabel = "FILE",
                description = "A file holding the device's own token (DDI/HTTP polling).")
        Path tokenFile;

        @Option(
                names = "--attr",
                paramLabel = "KEY=VALUE",
                description = "Attribute (repeatable), e.g. region=eu-west.")
        java.util.List<String> attrs;

        @Option(
                names = "--protocol",
                paramLabel = "NAME",
                description =
                        "How the devices are reached: http (polling), ddi (hawkBit) or mqtt (mg_rpc OTA.Update).")
        String protocol;

        static final class Source {
            @Option(names = "--id", paramLabel = "ID", description = "Device id.")
            String id;

            @Option(
                    names = "--from-log",
                    paramLabel = "FILE",
                    description = "Provisioning journal (JSON lines).")
            Path log;
        }

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            if (source.log != null) {
                StringBuilder q = new StringBuilder();
                for (Map.Entry<String, String> e : attributes(attrs).entrySet()) {
                    q.append(q.length() == 0 ? "?" : "&")
                            .append("attr=")
                            .append(FleetClient.encode(e.getKey() + "=" + e.getValue()));
                }
                if (protocol != null)
                    q.append(q.length() == 0 ? "?" : "&")
                            .append("protocol=")
                            .append(FleetClient.encode(protocol));
                JsonNode r =
                        fleet.client()
                                .postFile("/api/v1/devices/import" + q, source.log, "text/plain");
                if (!fleet.printJson(out, r)) {
                    out.printf(
                            "registered %d devices (%d already known)%n",
                            r.path("registered").asInt(), r.path("alreadyKnown").asInt());
                }
            } else {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("id", source.id);
                if (fingerprint != null) body.put("certFingerprint", fingerprint);
                if (chipSerial != null) body.put("chipSerial", chipSerial);
                if (tokenFile != null) body.put("token", Files.readString(tokenFile).strip());
                body.put("attributes", attributes(attrs));
                if (protocol != null) body.put("protocol", protocol);
                JsonNode r = fleet.client().post("/api/v1/devices", body);
                if (!fleet.printJson(out, r)) out.printf("registered %s%n", r.path("id").asText());
            }
            out.flush();
            return ExitCode.OK;
        }
    }
}
