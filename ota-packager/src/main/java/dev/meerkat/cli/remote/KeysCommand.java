package dev.meerkat.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cli.io.AtomicFiles;
import dev.meerkat.cli.io.ExitCode;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meerkat keys}: manage keys held by the signing service. */
@Command(
        name = "keys",
        mixinStandardHelpOptions = true,
        description =
                "Manage keys held by the signing service (credentials: $MEERKAT_TOKEN or a client certificate).",
        subcommands = {
            KeysCommand.List.class,
            KeysCommand.Show.class,
            KeysCommand.Create.class,
            KeysCommand.Public.class,
            KeysCommand.Rotate.class,
            KeysCommand.Retire.class,
            KeysCommand.Compromised.class
        })
public final class KeysCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static void print(CommandSpec spec, JsonNode node) {
        PrintWriter o = spec.commandLine().getOut();
        try {
            o.println(RemoteClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (Exception e) {
            o.println(node);
        }
        o.flush();
    }

    static String summary(JsonNode k) {
        return String.format(
                "%-24s %-11s %-22s %-9s v%-3d %-11s %s",
                k.path("id").asText(),
                k.path("type").asText(),
                k.path("purpose").asText(),
                k.path("backend").asText(),
                k.path("currentVersion").asInt(),
                k.path("state").asText(),
                k.path("production").asBoolean()
                        ? "production (" + k.path("approvalsRequired").asInt() + " approvals)"
                        : "");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List keys.")
    static final class List implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceOptions service;

        @Option(
                names = "--json",
                description = "Print {\"keys\":[…]} (the service's key objects) instead of text.")
        boolean json;

        @Override
        public Integer call() {
            PrintWriter o = spec.commandLine().getOut();
            JsonNode keys = service.client().get("/api/v1/keys");
            if (json) {
                dev.meerkat.cli.io.JsonOutput.print(
                        o, dev.meerkat.cli.io.JsonOutput.object("keys", keys));
                return ExitCode.OK;
            }
            for (JsonNode k : keys) o.println(summary(k));
            o.flush();
            return ExitCode.OK;
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "Show a key and its versions (JSON).")
    static final class Show implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceOptions service;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            print(spec, service.client().get("/api/v1/keys/" + RemoteClient.encode(id)));
            return ExitCode.OK;
        }
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Create a key in the service (admin).")
    static final class Create implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceOptions service;

        @Parameters(paramLabel = "ID", description = "Key id: a-z 0-9 . _ -")
        String id;

        @Option(
                names = {"-t", "--type"},
                defaultValue = "ecdsa-p256",
                paramLabel = "TYPE",
                description =
                        "ecdsa-p256, ecdsa-p384, ed25519, rsa-2048 or rsa-3072. Default: ${DEFAULT-VALUE}.")
        String type;

        @Option(
                names = "--purpose",
                defaultValue = "firmware-signing",
                paramLabel = "PURPOSE",
                description =
                        "firmware-signing, encryption or certificate-authority. Default: ${DEFAULT-VALUE}.")
        String purpose;

        @Option(names = "--production", description = "Signing needs M-of-N approvals.")
        boolean production;

        @Option(
                names = "--approvals",
                paramLabel = "M",
                description = "Approvals a production signature needs.")
        Integer approvals;

        @Option(
                names = "--backend",
                paramLabel = "software|pkcs11",
                description = "Key backend (default: the service's).")
        String backend;

        @Option(names = "--description", paramLabel = "TEXT")
        String description;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("id", id);
            body.put("type", type);
            body.put("purpose", purpose);
            body.put("production", production);
            if (approvals != null) body.put("approvals", approvals);
            if (backend != null) body.put("backend", backend);
            if (description != null) body.put("description", description);
            JsonNode k = service.client().post("/api/v1/keys", body).json();
            spec.commandLine().getOut().println(summary(k));
            spec.commandLine().getOut().flush();
            return ExitCode.OK;
        }
    }

    // Its --version is the key version, so only --help comes from picocli.
    @Command(
            name = "public",
            description =
                    "Export a public key: PEM, MCUboot KEYHASH or a C array for the bootloader.")
    static final class Public implements Callable<Integer> {
        @Option(
                names = {"-h", "--help"},
                usageHelp = true,
                description = "Show this help message and exit.")
        boolean help;

        @Spec CommandSpec spec;
        @Mixin ServiceOptions service;

        @Parameters(paramLabel = "ID")
        String id;

        @Option(
                names = {"-e", "--format"},
                defaultValue = "pem",
                paramLabel = "pem|keyhash|c",
                description = "Default: ${DEFAULT-VALUE}.")
        String format;

        @Option(
                names = "--version",
                paramLabel = "N",
                description = "Key version (default: current).")
        Integer version;

        @Option(
                names = {"-o", "--output"},
                paramLabel = "FILE",
                description = "Write to FILE instead of stdout.")
        Path output;

        @Override
        public Integer call() throws Exception {
            String text =
                    service.client()
                            .getText(
                                    "/api/v1/keys/"
                                            + RemoteClient.encode(id)
                                            + "/public?format="
                                            + RemoteClient.encode(format)
                                            + (version == null ? "" : "&version=" + version))
                            .text();
            if (output != null) {
                AtomicFiles.writeBytes(output, text.getBytes(StandardCharsets.US_ASCII));
            } else {
                spec.commandLine().getOut().print(text);
                spec.commandLine().getOut().flush();
            }
            return ExitCode.OK;
        }
    }

    abstract static class Change implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceOptions service;

        @Parameters(paramLabel = "ID")
        String id;

        abstract String verb();

        Object body() {
            return null;
        }

        @Override
        public Integer call() {
            JsonNode k =
                    service.client()
                            .post("/api/v1/keys/" + RemoteClient.encode(id) + "/" + verb(), body())
                            .json();
            spec.commandLine().getOut().println(summary(k));
            spec.commandLine().getOut().flush();
            return ExitCode.OK;
        }
    }

    @Command(
            name = "rotate",
            mixinStandardHelpOptions = true,
            description =
                    "Generate a new key version; older versions stay exported for verification.")
    static final class Rotate extends Change {
        @Override
        String verb() {
            return "rotate";
        }
    }

    @Command(
            name = "retire",
            mixinStandardHelpOptions = true,
            description = "Stop signing with a key.")
    static final class Retire extends Change {
        @Override
        String verb() {
            return "retire";
        }
    }

    @Command(
            name = "compromised",
            mixinStandardHelpOptions = true,
            description =
                    "Mark a key compromised: it never signs again and its pending requests are cancelled.")
    static final class Compromised extends Change {
        @Option(names = "--reason", paramLabel = "TEXT")
        String reason;

        @Override
        String verb() {
            return "compromised";
        }

        @Override
        Object body() {
            return Map.of("reason", reason == null ? "" : reason);
        }
    }
}
