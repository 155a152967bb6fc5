package dev.meerkat.cli.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.gax.rpc.ApiException;
import com.google.cloud.iot.v1.DeviceManagerClient;
import com.google.cloud.iot.v1.DeviceName;
import dev.meerkat.cli.fleetservice.FleetClient;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cloud.gcp.DeviceReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meerkat cloud gcp status}. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Show a deployment per device: the fleet execution state next to what IoT Core reports.",
            "",
            "For each device of the deployment's group: the fleet execution state, and from the "
                    + "device manager its latest config version, whether the device acknowledged it, and "
                    + "the last state it reported. --follow polls until the deployment is COMPLETED, "
                    + "ABORTED or CANCELED. Exit code 0 unless the deployment was aborted or canceled (1).",
            "--json prints: deployment, state, devices (device, iotCoreDevice, execution, "
                    + "configVersion, configAcknowledged, lastState, lastStateTime)."
        })
final class GcpStatusCommand implements Callable<Integer> {
    private static final Set<String> FINAL = Set.of("COMPLETED", "ABORTED", "CANCELED");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandSpec spec;

    @Mixin GcpOptions gcp;

    @Parameters(paramLabel = "DEPLOYMENT_ID")
    String deployment;

    @Option(names = "--follow", description = "Poll until the deployment has ended.")
    boolean follow;

    @Option(
            names = "--interval",
            defaultValue = "5",
            paramLabel = "SECONDS",
            description = "Polling interval with --follow (default: ${DEFAULT-VALUE}).")
    int intervalSeconds;

    @Override
    public Integer call() throws Exception {
        if (intervalSeconds < 1) throw CliException.usage("--interval must be at least 1 second");
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        FleetClient fleet = gcp.fleetClient();
        try (DeviceManagerClient client = gcp.deviceManager()) {
            Map<String, Object> s = snapshot(fleet, client);
            while (follow && !FINAL.contains((String) s.get("state"))) {
                err.println("deployment " + deployment + " " + s.get("state") + " " + counts(s));
                err.flush();
                Thread.sleep(Duration.ofSeconds(intervalSeconds).toMillis());
                s = snapshot(fleet, client);
            }
            if (gcp.json) {
                out.println(JSON.writeValueAsString(s));
            } else {
                out.println("deployment " + deployment + ": " + s.get("state") + " " + counts(s));
                for (Object o : (List<?>) s.get("devices")) {
                    Map<?, ?> d = (Map<?, ?>) o;
                    out.printf(
                            "  %-24s %-12s config v%-4s %-7s %s%n",
                            d.get("device"),
                            d.get("execution") == null ? "-" : d.get("execution"),
                            d.get("configVersion") == null ? "-" : d.get("configVersion"),
                            Boolean.TRUE.equals(d.get("configAcknowledged")) ? "acked" : "pending",
                            d.get("lastState") == null
                                    ? ""
                                    : JSON.writeValueAsString(d.get("lastState")));
                }
            }
            out.flush();
            String state = (String) s.get("state");
            return state.equals("ABORTED") || state.equals("CANCELED")
                    ? ExitCode.INVALID
                    : ExitCode.OK;
        } catch (ApiException e) {
            throw new CliException(
                    ExitCode.IO, "status of " + deployment + ": " + GcpOptions.describe(e));
        }
    }

    private Map<String, Object> snapshot(FleetClient fleet, DeviceManagerClient client)
            throws IOException {
        String path = "/api/v1/deployments/" + FleetClient.encode(deployment);
        JsonNode status = fleet.get(path);
        JsonNode d = status.path("deployment");
        Map<String, String> executions = new TreeMap<>();
        for (JsonNode e : fleet.get(path + "/executions")) {
            executions.put(e.path("deviceId").asText(), e.path("state").asText());
        }
        List<String> members = new ArrayList<>();
        fleet.get("/api/v1/groups/" + FleetClient.encode(d.path("groupName").asText()))
                .path("members")
                .forEach(m -> members.add(m.asText()));
        executions.keySet().stream().filter(id -> !members.contains(id)).forEach(members::add);
        List<Map<String, Object>> devices = new ArrayList<>();
        for (String id : members) {
            JsonNode device = fleet.get("/api/v1/devices/" + FleetClient.encode(id)).path("device");
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("device", id);
            line.put("execution", executions.get(id));
            String link = device.path("attributes").path(GcpRegisterCommand.LINK).asText("");
            if (DeviceName.isParsableFrom(link)) {
                DeviceReport r = DeviceReport.of(client, DeviceName.parse(link));
                line.put("iotCoreDevice", link);
                line.put("configVersion", r.configVersion());
                line.put("configAcknowledged", r.acknowledged());
                line.put("lastState", r.lastState().map(GcpStatusCommand::parse).orElse(null));
                line.put("lastStateTime", r.lastStateTime().map(Object::toString).orElse(null));
            } else {
                line.put("iotCoreDevice", null);
            }
            devices.add(line);
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("deployment", deployment);
        s.put("state", d.path("state").asText());
        s.put("release", d.path("releaseId").asText());
        s.put("group", d.path("groupName").asText());
        s.put("devices", devices);
        return s;
    }

    /** The agent reports JSON; anything else is shown as text. */
    private static Object parse(String state) {
        try {
            return JSON.readTree(state);
        } catch (IOException e) {
            return state;
        }
    }

    private static Map<String, Integer> counts(Map<String, Object> s) {
        Map<String, Integer> c = new TreeMap<>();
        for (Object o : (List<?>) s.get("devices")) {
            Object e = ((Map<?, ?>) o).get("execution");
            c.merge(e == null ? "NONE" : e.toString(), 1, Integer::sum);
        }
        return c;
    }
}
