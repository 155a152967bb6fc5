package dev.meerkat.cli.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cloud.aws.jobs.JobsLimits;
import dev.meerkat.cloud.aws.sdk.IotRegistrar;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.iot.IotClient;

/** {@code meerkat cloud aws register}. */
@Command(
        name = "register",
        mixinStandardHelpOptions = true,
        description = {
            "Register provisioned devices in AWS IoT from the provisioning record.",
            "",
            "Reads the JSON lines `meerkat provision --log` writes (serial, fingerprint, certificatePem). Per "
                    + "device: thing <prefix><serial>, its certificate registered without CA (ACTIVE), --policy "
                    + "attached to the certificate, the certificate attached to the thing, the thing added to "
                    + "--thing-group. Every step is idempotent; devices done are appended to --state, so an "
                    + "interrupted run is resumed by running it again.",
            "--json prints: registered (thing, thingArn, certificateArn per device), skipped."
        })
final class RegisterCommand implements Callable<Integer> {

    private static final Pattern SERIAL = Pattern.compile("[0-9A-Fa-f]{2,64}");
    private final ObjectMapper json = new ObjectMapper();

    @Spec CommandSpec spec;

    @Mixin AwsOptions aws;

    @Option(
            names = "--log",
            required = true,
            paramLabel = "FILE",
            description = "Provisioning record (JSON lines).")
    Path log;

    @Option(
            names = "--state",
            paramLabel = "FILE",
            description = "Devices already registered (default: <log>.aws.jsonl).")
    Path state;

    @Option(
            names = "--thing-prefix",
            defaultValue = "chip-",
            paramLabel = "PREFIX",
            description = "Thing name = PREFIX + chip serial (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Option(
            names = "--policy",
            paramLabel = "NAME",
            description = "AWS IoT policy to attach to each certificate.")
    String policy;

    @Option(
            names = "--thing-group",
            paramLabel = "NAME",
            description = "Thing group to add each thing to " + "(created if missing).")
    String group;

    @Override
    public Integer call() throws Exception {
        Path stateFile = state != null ? state : Path.of(log + ".aws.jsonl");
        List<JsonNode> records = readLines(log, true);
        Set<String> done = new HashSet<>();
        for (JsonNode r : readLines(stateFile, false)) {
            done.add(r.path("serial").asText() + "/" + r.path("fingerprint").asText());
        }
        var out = spec.commandLine().getOut();
        List<Map<String, String>> registered = new ArrayList<>();
        int skipped = 0;
        try (IotClient iot = aws.connection().iot()) {
            IotRegistrar registrar = new IotRegistrar(iot);
            if (group != null) {
                registrar.ensureGroup(group);
            }
            for (JsonNode r : records) {
                String serial = r.path("serial").asText();
                String fingerprint = r.path("fingerprint").asText();
                if (done.contains(serial + "/" + fingerprint)) {
                    skipped++;
                    continue;
                }
                String pem = r.path("certificatePem").asText("");
                if (!pem.startsWith("-----BEGIN CERTIFICATE-----")) {
                    throw CliException.invalid(
                            log
                                    + ": the record of chip "
                                    + serial
                                    + " has no certificatePem "
                                    + "(written by meerkat provision since this release)");
                }
                String thing = prefix + serial;
                if (!JobsLimits.validThingName(thing)) {
                    throw CliException.usage(
                            "thing name " + thing + " is not [a-zA-Z0-9:_-]{1,128}");
                }
                IotRegistrar.Registered reg;
                try {
                    reg = registrar.register(thing, Map.of("serial", serial), pem, policy, group);
                } catch (SdkException e) {
                    throw new CliException(
                            ExitCode.IO,
                            "registering "
                                    + thing
                                    + " failed ("
                                    + registered.size()
                                    + " registered in this run; run again to resume): "
                                    + AwsOptions.describe(e));
                }
                Map<String, String> line = new LinkedHashMap<>();
                line.put("serial", serial);
                line.put("fingerprint", fingerprint);
                line.put("thing", reg.thingName());
                line.put("thingArn", reg.thingArn());
                line.put("certificateArn", reg.certificateArn());
                Files.writeString(
                        stateFile,
                        json.writeValueAsString(line) + "\n",
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND,
                        StandardOpenOption.SYNC);
                registered.add(line);
                if (!aws.json) {
                    out.println("registered " + thing + " (" + reg.certificateArn() + ")");
                }
            }
        } catch (SdkException e) {
            throw new CliException(
                    ExitCode.IO, "thing group " + group + ": " + AwsOptions.describe(e));
        }
        if (aws.json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("registered", registered);
            j.put("skipped", skipped);
            out.println(json.writeValueAsString(j));
        } else {
            out.println(registered.size() + " registered, " + skipped + " already registered");
        }
        out.flush();
        return ExitCode.OK;
    }

    private List<JsonNode> readLines(Path file, boolean required) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(file)) {
            if (required) {
                throw new CliException(ExitCode.IO, "cannot read " + file + ": no such file");
            }
            return out;
        }
        int n = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = json.readTree(line);
            } catch (IOException e) {
                throw CliException.invalid(file + ": line " + n + " is not JSON");
            }
            if (!SERIAL.matcher(node.path("serial").asText()).matches()) {
                throw CliException.invalid(file + ": line " + n + " has no chip serial");
            }
            out.add(node);
        }
        return out;
    }
}
