package dev.meerkat.cli.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.iot.v1.RegistryName;
import dev.meerkat.cli.fleetservice.DeployCommand;
import dev.meerkat.cli.fleetservice.FleetClient;
import dev.meerkat.cli.io.CliException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meerkat cloud gcp deploy}. */
@Command(
        name = "deploy",
        mixinStandardHelpOptions = true,
        description = {
            "Deploy a release to the devices of an IoT Core registry through fleet-service phases.",
            "",
            "Puts the registry's linked fleet devices (protocol gcp, iot-core-device under --registry; "
                    + "or only the --device ones) into the static group --group (created, or its members "
                    + "set to exactly those devices), then creates the deployment as `meerkat deploy "
                    + "create` does: its options (--phase, --abort, --rate, --timeout, --retries, --window, "
                    + "--no-auto-pause, ...) follow `--`. fleet-service delivers each released device's "
                    + "update as a new config version; follow it with `meerkat cloud gcp status`.",
            "Example: meerkat cloud gcp deploy --registry projects/p/locations/europe-west1/registries/"
                    + "plant --release fw-2.0.0 -- --phase 10%% --phase rest --abort FAILED:20:5"
        })
final class GcpDeployCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin GcpOptions gcp;

    @Option(
            names = "--registry",
            required = true,
            paramLabel = "NAME",
            description = "projects/PROJECT/locations/REGION/registries/ID")
    String registry;

    @Option(
            names = "--device",
            paramLabel = "ID",
            description = "Only this IoT Core device id (repeatable; default: the whole registry).")
    List<String> deviceIds;

    @Option(names = "--release", required = true, paramLabel = "ID")
    String release;

    @Option(
            names = "--group",
            paramLabel = "NAME",
            description = "Fleet group of the target devices (default: iot-core-<registry id>).")
    String group;

    @Option(names = "--id", paramLabel = "ID", description = "Deployment id (default: generated).")
    String id;

    @Parameters(
            paramLabel = "CREATE_OPTIONS",
            arity = "0..*",
            description = "After `--`: options of `meerkat deploy create`.")
    List<String> createOptions = new ArrayList<>();

    @Override
    public Integer call() {
        RegistryName reg = GcpRegistryName.parse(registry);
        String groupName = group != null ? group : "iot-core-" + reg.getRegistry();
        FleetClient fleet = gcp.fleetClient();
        List<String> members = targets(fleet, reg);
        if (members.isEmpty()) {
            throw CliException.invalid(
                    "no fleet device is linked to "
                            + reg
                            + " (register them with `meerkat cloud gcp register --link`)");
        }
        syncGroup(fleet, groupName, members);
        if (!gcp.json) {
            spec.commandLine()
                    .getErr()
                    .println("group " + groupName + ": " + members.size() + " devices of " + reg);
        }
        List<String> args =
                new ArrayList<>(List.of("create", "--release", release, "--group", groupName));
        if (id != null) args.addAll(List.of("--id", id));
        String url = gcp.fleetUrl();
        if (url != null) args.addAll(List.of("--url", url));
        if (gcp.json) args.add("--json");
        args.addAll(createOptions);
        // `meerkat deploy create` itself, with this run's streams and error handling
        CommandLine root = spec.root().commandLine();
        CommandLine create = new CommandLine(DeployCommand.class);
        create.setOut(spec.commandLine().getOut());
        create.setErr(spec.commandLine().getErr());
        create.setExecutionExceptionHandler(root.getExecutionExceptionHandler());
        create.setParameterExceptionHandler(root.getParameterExceptionHandler());
        create.setCaseInsensitiveEnumValuesAllowed(true);
        return create.execute(args.toArray(String[]::new));
    }

    /**
     * Fleet ids of the registry's linked devices (or of the --device ones, all of which must be).
     */
    private List<String> targets(FleetClient fleet, RegistryName reg) {
        String prefix = reg + "/devices/";
        Map<String, String> byIotCoreId = new LinkedHashMap<>();
        for (JsonNode d : GcpRegisterCommand.FleetLinks.allDevices(fleet).values()) {
            String link = d.path("attributes").path(GcpRegisterCommand.LINK).asText("");
            if (GcpRegisterCommand.PROTOCOL.equals(d.path("protocol").asText())
                    && link.startsWith(prefix)) {
                byIotCoreId.put(link.substring(prefix.length()), d.path("id").asText());
            }
        }
        if (deviceIds == null) return new ArrayList<>(byIotCoreId.values());
        List<String> out = new ArrayList<>();
        Set<String> unlinked = new TreeSet<>();
        for (String d : new LinkedHashSet<>(deviceIds)) {
            String fleetId = byIotCoreId.get(d);
            if (fleetId == null) unlinked.add(d);
            else out.add(fleetId);
        }
        if (!unlinked.isEmpty()) {
            throw CliException.invalid(
                    "not linked in the fleet service: "
                            + String.join(", ", unlinked)
                            + " (register them with `meerkat cloud gcp register --link`)");
        }
        return out;
    }

    /** Creates the static group or sets its members to exactly {@code members}. */
    private static void syncGroup(FleetClient fleet, String name, List<String> members) {
        JsonNode existing = null;
        for (JsonNode g : fleet.get("/api/v1/groups")) {
            if (name.equals(g.path("name").asText())) existing = g;
        }
        if (existing == null) {
            fleet.post("/api/v1/groups", Map.of("name", name, "members", members));
            return;
        }
        if (!"static".equals(existing.path("kind").asText())) {
            throw CliException.usage(
                    "group "
                            + name
                            + " is a "
                            + existing.path("kind").asText()
                            + " group; pass another --group");
        }
        Set<String> current = new TreeSet<>();
        existing.path("members").forEach(m -> current.add(m.asText()));
        List<String> add = members.stream().filter(m -> !current.contains(m)).toList();
        List<String> remove = current.stream().filter(m -> !members.contains(m)).toList();
        if (!add.isEmpty() || !remove.isEmpty()) {
            fleet.post(
                    "/api/v1/groups/" + FleetClient.encode(name) + "/members",
                    Map.of("add", add, "remove", remove));
        }
    }
}
