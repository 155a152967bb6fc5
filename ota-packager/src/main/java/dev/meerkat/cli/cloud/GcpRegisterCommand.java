package dev.meerkat.cli.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.gax.rpc.ApiException;
import com.google.cloud.iot.v1.DeviceManagerClient;
import com.google.cloud.iot.v1.DeviceName;
import com.google.cloud.iot.v1.PublicKeyFormat;
import com.google.cloud.iot.v1.RegistryName;
import dev.meerkat.cli.fleetservice.FleetClient;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cloud.gcp.ChipKey;
import dev.meerkat.cloud.gcp.IotCoreRegistrar;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code meerkat cloud gcp register}. */
@Command(
        name = "register",
        mixinStandardHelpOptions = true,
        description = {
            "Register provisioned devices in a Cloud IoT Core registry from the provisioning record.",
            "",
            "Reads the JSON lines `meerkat provision --log` writes (serial, fingerprint, "
                    + "certificatePem) and creates device <prefix><serial> with the chip's P-256 key "
                    + "(--format ES256_PEM: the key; ES256_X509_PEM: the certificate). A device that "
                    + "exists with the same key is skipped, one with another key stops the run (exit 1) "
                    + "naming it, so an interrupted run is resumed by running it again. With --link the "
                    + "devices are also registered in the fleet service (protocol gcp, attribute "
                    + "iot-core-device = full device name), so its deployments reach them.",
            "--json prints: registry, registryCreated, devices (device, serial, iotCore, fleet), "
                    + "created, skipped, linked."
        })
final class GcpRegisterCommand implements Callable<Integer> {

    private static final Pattern SERIAL = Pattern.compile("[0-9A-Fa-f]{2,64}");
    private static final Pattern DEVICE_ID = Pattern.compile("[a-zA-Z][a-zA-Z0-9._+~%-]{2,254}");
    static final String PROTOCOL = "gcp";
    static final String LINK = "iot-core-device";
    private final ObjectMapper json = new ObjectMapper();

    @Spec CommandSpec spec;

    @Mixin GcpOptions gcp;

    @Option(
            names = "--log",
            required = true,
            paramLabel = "FILE",
            description = "Provisioning record (JSON lines).")
    Path log;

    @Option(
            names = "--registry",
            required = true,
            paramLabel = "NAME",
            description = "projects/PROJECT/locations/REGION/registries/ID")
    String registry;

    @Option(
            names = "--create-registry",
            description = "Create the registry (MQTT enabled) if it does not exist.")
    boolean createRegistry;

    @Option(
            names = "--format",
            defaultValue = "ES256_PEM",
            paramLabel = "FORMAT",
            description = "ES256_PEM or ES256_X509_PEM (default: ${DEFAULT-VALUE}).")
    PublicKeyFormat format;

    @Option(
            names = "--device-prefix",
            defaultValue = "chip-",
            paramLabel = "PREFIX",
            description = "Device id = PREFIX + chip serial (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Option(
            names = "--link",
            description =
                    "Also register the devices in the fleet service (--fleet) and link them to"
                            + " their IoT Core devices.")
    boolean link;

    @Override
    public Integer call() throws Exception {
        if (format != PublicKeyFormat.ES256_PEM && format != PublicKeyFormat.ES256_X509_PEM) {
            throw CliException.usage("--format must be ES256_PEM or ES256_X509_PEM");
        }
        RegistryName reg = GcpRegistryName.parse(registry);
        List<JsonNode> records = readRecords();
        PrintWriter out = spec.commandLine().getOut();
        FleetLinks fleet = link ? new FleetLinks(gcp.fleetClient()) : null;
        List<Map<String, Object>> devices = new ArrayList<>();
        int created = 0;
        int skipped = 0;
        int linked = 0;
        boolean registryCreated = false;
        try (DeviceManagerClient client = gcp.deviceManager()) {
            IotCoreRegistrar registrar = new IotCoreRegistrar(client);
            if (createRegistry) {
                registryCreated = registrar.ensureRegistry(reg);
                if (registryCreated && !gcp.json) out.println("created registry " + reg);
            }
            for (JsonNode r : records) {
                String serial = r.path("serial").asText();
                String deviceId = prefix + serial;
                if (!DEVICE_ID.matcher(deviceId).matches()) {
                    throw CliException.usage(
                            "device id "
                                    + deviceId
                                    + " is not a valid IoT Core id (starts with a letter; 3-255 of"
                                    + " a-zA-Z0-9._+~%-); choose --device-prefix");
                }
                ChipKey key;
                try {
                    key = ChipKey.fromCertificatePem(r.path("certificatePem").asText(""));
                } catch (IllegalArgumentException e) {
                    throw CliException.invalid(
                            log + ": the record of chip " + serial + ": " + e.getMessage());
                }
                Map<String, String> metadata = new LinkedHashMap<>();
                metadata.put("chip-serial", serial);
                if (r.hasNonNull("fingerprint")) {
                    metadata.put("cert-fingerprint", r.path("fingerprint").asText());
                }
                DeviceName name =
                        DeviceName.of(
                                reg.getProject(), reg.getLocation(), reg.getRegistry(), deviceId);
                IotCoreRegistrar.Outcome outcome;
                try {
                    outcome = registrar.register(reg, deviceId, key, format, metadata);
                } catch (IotCoreRegistrar.KeyMismatch e) {
                    throw CliException.invalid(e.getMessage());
                } catch (ApiException e) {
                    throw new CliException(
                            ExitCode.IO,
                            "registering "
                                    + name
                                    + " failed ("
                                    + created
                                    + " created in this run; run again to resume): "
                                    + GcpOptions.describe(e));
                }
                if (outcome == IotCoreRegistrar.Outcome.CREATED) created++;
                else skipped++;
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("device", name.toString());
                line.put("serial", serial);
                line.put("iotCore", outcome.name());
                if (fleet != null) {
                    FleetLinks.Outcome f = fleet.link(deviceId, name.toString(), r);
                    if (f == FleetLinks.Outcome.LINKED) linked++;
                    line.put("fleet", f.name());
                }
                devices.add(line);
                if (!gcp.json) {
                    out.println(
                            (outcome == IotCoreRegistrar.Outcome.CREATED
                                            ? "registered "
                                            : "already registered ")
                                    + name
                                    + (fleet != null ? " (fleet: " + line.get("fleet") + ")" : ""));
                    out.flush();
                }
            }
        } catch (ApiException e) {
            throw new CliException(ExitCode.IO, "registry " + reg + ": " + GcpOptions.describe(e));
        }
        if (gcp.json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("registry", reg.toString());
            j.put("registryCreated", registryCreated);
            j.put("devices", devices);
            j.put("created", created);
            j.put("skipped", skipped);
            j.put("linked", linked);
            out.println(json.writeValueAsString(j));
        } else {
            out.println(
                    created
                            + " registered, "
                            + skipped
                            + " already registered"
                            + (fleet != null
                                    ? ", " + linked + " linked in the fleet service"
                                    : ""));
        }
        out.flush();
        return ExitCode.OK;
    }

    private List<JsonNode> readRecords() throws IOException {
        if (!Files.isRegularFile(log)) {
            throw new CliException(ExitCode.IO, "cannot read " + log + ": no such file");
        }
        List<JsonNode> out = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            n++;
            if (line.isBlank()) continue;
            JsonNode node;
            try {
                node = json.readTree(line);
            } catch (IOException e) {
                throw CliException.invalid(log + ": line " + n + " is not JSON");
            }
            if (!SERIAL.matcher(node.path("serial").asText()).matches()) {
                throw CliException.invalid(log + ": line " + n + " has no chip serial");
            }
            out.add(node);
        }
        return out;
    }

    /** The fleet side of a registration: one fleet device per IoT Core device, linked by name. */
    static final class FleetLinks {
        enum Outcome {
            LINKED,
            ALREADY_LINKED
        }

        private final FleetClient fleet;
        private final Map<String, JsonNode> known;

        FleetLinks(FleetClient fleet) {
            this.fleet = fleet;
            this.known = allDevices(fleet);
        }

        static Map<String, JsonNode> allDevices(FleetClient fleet) {
            Map<String, JsonNode> all = new LinkedHashMap<>();
            String after = null;
            while (true) {
                JsonNode page =
                        fleet.get(
                                "/api/v1/devices?limit=5000"
                                        + (after == null
                                                ? ""
                                                : "&after=" + FleetClient.encode(after)));
                for (JsonNode d : page) all.put(d.path("id").asText(), d);
                if (page.size() < 5000) return all;
                after = page.get(page.size() - 1).path("id").asText();
            }
        }

        Outcome link(String id, String iotCoreName, JsonNode record) {
            JsonNode existing = known.get(id);
            if (existing != null) {
                if (PROTOCOL.equals(existing.path("protocol").asText())
                        && iotCoreName.equals(existing.path("attributes").path(LINK).asText())) {
                    return Outcome.ALREADY_LINKED;
                }
                throw CliException.invalid(
                        "fleet device "
                                + id
                                + " exists but is not linked to "
                                + iotCoreName
                                + " (protocol "
                                + existing.path("protocol").asText("none")
                                + ", "
                                + LINK
                                + " "
                                + existing.path("attributes").path(LINK).asText("unset")
                                + ")");
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("id", id);
            if (record.hasNonNull("fingerprint")) {
                body.put("certFingerprint", record.path("fingerprint").asText());
            }
            body.put("chipSerial", record.path("serial").asText());
            body.put("attributes", Map.of(LINK, iotCoreName));
            body.put("protocol", PROTOCOL);
            known.put(id, fleet.post("/api/v1/devices", body));
            return Outcome.LINKED;
        }
    }
}
