package dev.meerkat.cli;

import static dev.meerkat.cli.Cli.vector;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.Board;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.firmware.rpc.RpcCredentials;
import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.RootOfTrust;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.SigningKey;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every command in the tree that has a {@code --json} option, run on inputs made here: stdout is
 * exactly one JSON object on one line, and its field names are camelCase (no snake_case). Commands
 * that need a service, a cloud account or a whole update cycle are skipped, each with the reason
 * and the test that covers it; a new command with {@code --json} fails here until it is given a
 * case or a reason.
 */
class EveryJsonCommandTest {

    private static final ObjectReader ONE_DOCUMENT =
            new ObjectMapper()
                    .readerFor(JsonNode.class)
                    .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Pattern SNAKE_CASE = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)+");
    private static final String PASSWORD = "json-test-password";

    /** Commands not run here, by the first words of their path, with the reason. */
    private static final Map<String, String> SKIPPED =
            Map.ofEntries(
                    Map.entry(
                            "keys",
                            "needs the signing service (signing-service's Quarkus tests run"
                                    + " the CLI against it)"),
                    Map.entry("approve", "needs the signing service (TokensAndApprovalsTest)"),
                    Map.entry("pki", "needs the signing service (ProvisionLifecycleTest)"),
                    Map.entry(
                            "provision",
                            "needs the signing service's device CA (ProvisionLifecycleTest,"
                                    + " EndToEndTest; the summary object: ProvisionSummaryTest)"),
                    Map.entry("release", "needs the fleet service (CliPostgresTest)"),
                    Map.entry("devices", "needs the fleet service (CliPostgresTest)"),
                    Map.entry("groups", "needs the fleet service (CliPostgresTest)"),
                    Map.entry("deploy", "needs the fleet service (CliPostgresTest)"),
                    Map.entry(
                            "cloud aws",
                            "needs S3 and an AWS IoT endpoint (CloudAwsCommandTest,"
                                    + " CloudAwsCliAgainstFleetTest)"),
                    Map.entry(
                            "cloud gcp",
                            "needs a Cloud IoT Core endpoint and the fleet service"
                                    + " (CloudGcpCliAgainstFleetTest)"),
                    Map.entry(
                            "ota",
                            "needs an image server and a whole update with reboot"
                                    + " (DeviceCommandsTest)"));

    /**
     * Fields that carry the device's own documents (mg_rpc results, configuration keys such as
     * {@code app.interval_ms}), whose names are the device's and not this CLI's.
     */
    private static final Map<String, Set<String>> DEVICE_DATA =
            Map.of(
                    "call", Set.of("result"),
                    "config get", Set.of("value"),
                    "config set", Set.of("set"),
                    // a Mongoose OS manifest, in that format's own names (fs_size, build_id)
                    "package inspect", Set.of("manifest"));

    @TempDir static Path tmp;
    private static Board board;
    private static int port;

    private record Case(int exitCode, List<String> args) {}

    private static final Map<String, Supplier<Case>> CASES = new LinkedHashMap<>();

    static {
        CASES.put(
                "sign",
                () -> {
                    List<String> a = new ArrayList<>(List.of(signArgs(tmp.resolve("sign.bin"))));
                    a.add(1, "--json");
                    return new Case(0, a);
                });
        CASES.put(
                "verify",
                () -> {
                    Path signed = tmp.resolve("verify.bin");
                    Cli.Run s = Cli.run(signArgs(signed));
                    assertThat(s.exitCode()).as(s.err()).isZero();
                    return ok(
                            "verify", "--json", "-k", vector("key-ed25519.pem"), signed.toString());
                });
        CASES.put(
                "chip info",
                () ->
                        ok(
                                "chip",
                                "info",
                                "--json",
                                "--chip",
                                "emulator:" + tmp.resolve("chip.state")));
        CASES.put(
                "bootsim powercut",
                () ->
                        ok(
                                "bootsim",
                                "powercut",
                                "--scenario",
                                "commit",
                                "--profile",
                                "uniform-4k",
                                "--json"));
        CASES.put(
                "bootsim boottime",
                () -> ok("bootsim", "boottime", "--slot-size", "128KiB", "--boots", "1", "--json"));
        CASES.put(
                "bench",
                () ->
                        ok(
                                "bench",
                                "--size",
                                "1",
                                "--runs",
                                "1",
                                "--dir",
                                tmp.resolve("bench").toString(),
                                "--json"));
        CASES.put("package verify", () -> ok("package", "verify", "--json", fwZip().toString()));
        CASES.put("package inspect", () -> ok("package", "inspect", "--json", fwZip().toString()));
        // An export without a signed checkpoint: linked, but not anchored. The object is printed
        // all the same, with exit code 1.
        CASES.put(
                "audit verify",
                () -> {
                    Path export = write("audit.json", "{\"entries\":[]}");
                    return new Case(1, List.of("audit", "verify", "--json", export.toString()));
                });
        CASES.put("fleet simulate", () -> ok("fleet", "simulate", "--devices", "2", "--json"));
        CASES.put("call", () -> ok(device("call", "Sys.GetInfo", "--json")));
        CASES.put("config get", () -> ok(device("config", "get", "app.interval_ms", "--json")));
        CASES.put(
                "config set",
                () -> ok(device("config", "set", "app.interval_ms=500", "--no-reboot", "--json")));
        CASES.put("fs ls", () -> ok(device("fs", "ls", "--json")));
        CASES.put(
                "fs put",
                () -> ok(device("fs", "put", write("notes.txt", "hello").toString(), "--json")));
    }

    private static Case ok(String... args) {
        return new Case(0, List.of(args));
    }

    private static String[] signArgs(Path out) {
        return new String[] {
            "sign",
            "-k",
            vector("key-ed25519.pem"),
            "-H",
            "0x200",
            "--pad-header",
            "-v",
            "2.0.0",
            "-S",
            "0x20000",
            vector("app-16k.bin"),
            out.toString()
        };
    }

    private static Path write(String name, String text) {
        try {
            return Files.writeString(tmp.resolve(name), text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** An unsigned fw.zip with an app and a file-system part. */
    private static Path fwZip() {
        Path fw = tmp.resolve("fw.zip");
        if (Files.exists(fw)) return fw;
        try {
            Path src = Files.createDirectories(tmp.resolve("fw-src"));
            Files.write(src.resolve("app.bin"), new byte[3000]);
            Files.write(src.resolve("fs.img"), new byte[4096]);
            Cli.Run r =
                    Cli.run(
                            "package",
                            "create",
                            "-n",
                            "demo",
                            "-p",
                            "esp32",
                            "--version",
                            "2.0.1",
                            "--src-dir",
                            src.toString(),
                            "--part",
                            "app:type=app,src=app.bin,addr=0x10000,ptn=app_0",
                            "--part",
                            "fs:type=fs,src=fs.img,ptn=fs_0,fs_size=4096",
                            "-o",
                            fw.toString());
            assertThat(r.exitCode()).as(r.err()).isZero();
            return fw;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A device command against the emulated device, with its port and password. */
    private static String[] device(String... command) {
        List<String> a = new ArrayList<>(List.of(command));
        a.addAll(List.of("--port", "http://127.0.0.1:" + port, "--password", PASSWORD));
        return a.toArray(String[]::new);
    }

    @BeforeAll
    static void startDevice() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        SigningKey key = SigningKey.generate(KeyType.ED25519);
        ObjectNode conf = Json.object();
        conf.putObject("http").put("enable", true).put("listen_addr", "127.0.0.1:" + port);
        board =
                Board.builder("dev-json")
                        .rootOfTrust(
                                RootOfTrust.of(
                                        ProvisionedKey.publicKey(
                                                key.verificationKey().publicKey().getEncoded())))
                        .factoryImage(ExampleApps.image("v1", key, null, 0))
                        .factoryConfig(conf)
                        .factoryFile(
                                "rpc_auth.txt",
                                RpcCredentials.htdigestLine(
                                        "admin", "meerkat", PASSWORD.toCharArray()))
                        .tickMillis(5)
                        .build();
        board.start();
        assertThat(board.await(Board::isUp, Duration.ofSeconds(60))).isTrue();
    }

    @AfterAll
    static void stopDevice() {
        if (board != null) board.close();
    }

    /** The path of every command that has a {@code --json} option, e.g. "bootsim boottime". */
    static Stream<String> commandsWithJson() {
        List<String> found = new ArrayList<>();
        walk(CommandTree.full(), "", found);
        return found.stream();
    }

    private static void walk(CommandLine cl, String path, List<String> out) {
        if (cl.getCommandSpec().findOption("--json") != null) out.add(path);
        cl.getSubcommands()
                .forEach(
                        (name, sub) -> {
                            if (!name.equals(sub.getCommandName())) return; // an alias
                            walk(sub, path.isEmpty() ? name : path + " " + name, out);
                        });
    }

    private static String skipReason(String path) {
        for (Map.Entry<String, String> e : SKIPPED.entrySet()) {
            if (path.equals(e.getKey()) || path.startsWith(e.getKey() + " ")) return e.getValue();
        }
        return null;
    }

    @ParameterizedTest(name = "meerkat {0} --json")
    @MethodSource("commandsWithJson")
    void printsOneCamelCaseJsonObject(String path) throws Exception {
        String skip = skipReason(path);
        Assumptions.assumeTrue(skip == null, () -> "meerkat " + path + ": " + skip);
        Supplier<Case> c = CASES.get(path);
        assertThat(c)
                .as("meerkat %s has --json: give it a case here or a reason to skip it", path)
                .isNotNull();
        Case k = c.get();
        Cli.Run r = Cli.run(k.args().toArray(String[]::new));
        assertThat(r.exitCode()).as("exit code; stderr: %s", r.err()).isEqualTo(k.exitCode());
        JsonNode doc = onlyObject(r.out());
        List<String> snake = new ArrayList<>();
        Set<String> data = DEVICE_DATA.getOrDefault(path, Set.of());
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            check(f.getKey(), snake);
            if (!data.contains(f.getKey())) snakeCase(f.getValue(), snake);
        }
        assertThat(snake).as("snake_case field names in %s", r.out()).isEmpty();
    }

    /** Stdout is one line holding one JSON object, nothing before or after it. */
    static JsonNode onlyObject(String out) throws Exception {
        assertThat(out).endsWith(System.lineSeparator());
        assertThat(out.strip().lines()).as(out).hasSize(1);
        JsonNode doc = ONE_DOCUMENT.readValue(out);
        assertThat(doc.isObject()).as(out).isTrue();
        return doc;
    }

    private static void snakeCase(JsonNode n, List<String> found) {
        if (n.isObject()) {
            n.fields()
                    .forEachRemaining(
                            f -> {
                                check(f.getKey(), found);
                                snakeCase(f.getValue(), found);
                            });
        } else if (n.isArray()) {
            n.forEach(e -> snakeCase(e, found));
        }
    }

    private static void check(String name, List<String> found) {
        if (SNAKE_CASE.matcher(name).matches()) found.add(name);
    }

    @Test
    void everySkipNamesACommandThatExists() {
        List<String> all = commandsWithJson().toList();
        for (String prefix : SKIPPED.keySet()) {
            assertThat(all)
                    .as("skip entry '%s'", prefix)
                    .anyMatch(p -> p.equals(prefix) || p.startsWith(prefix + " "));
        }
        for (String path : CASES.keySet()) assertThat(all).as("case '%s'", path).contains(path);
    }

    @Test
    void auditVerifyOfABrokenChainStillPrintsItsObject() throws Exception {
        Path export =
                write(
                        "broken.json",
                        "{\"entries\":[{\"seq\":1,\"prevHash\":\"00\",\"hash\":\"ff\","
                                + "\"action\":\"x\"}]}");
        Cli.Run r = Cli.run("audit", "verify", "--json", export.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        JsonNode doc = onlyObject(r.out());
        assertThat(doc.path("intact").asBoolean()).isFalse();
        assertThat(doc.path("anchored").asBoolean()).isFalse();
        assertThat(doc.path("problem").asText()).isNotEmpty();
    }

    @Test
    void auditVerifyOfAnUnanchoredExportSaysWhy() throws Exception {
        Path export = write("unanchored.json", "{\"entries\":[]}");
        Cli.Run r = Cli.run("audit", "verify", "--json", export.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        JsonNode doc = onlyObject(r.out());
        assertThat(doc.path("intact").asBoolean()).isTrue();
        assertThat(doc.path("anchored").asBoolean()).isFalse();
        assertThat(doc.path("problem").asText()).contains("no signed checkpoint");
        assertThat(r.err()).isEmpty();
    }
}
