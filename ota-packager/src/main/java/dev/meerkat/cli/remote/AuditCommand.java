package dev.meerkat.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.cli.io.AtomicFiles;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cli.io.JsonOutput;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meerkat audit}: export the service's audit log and verify its hash chain. */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description =
                "Export a service's hash-chained audit log (signing service or fleet service, by --url),"
                        + " or verify an export.",
        subcommands = {AuditCommand.Export.class, AuditCommand.Verify.class})
public final class AuditCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static List<JsonNode> fetchAll(RemoteClient c) {
        return fetch(c, 0, Long.MAX_VALUE);
    }

    /** Entries with {@code after < seq <= upTo}, oldest first. */
    static List<JsonNode> fetch(RemoteClient c, long after, long upTo) {
        List<JsonNode> all = new ArrayList<>();
        while (true) {
            JsonNode page = c.get("/api/v1/audit?limit=1000&after=" + after);
            for (JsonNode e : page.path("entries")) {
                if (e.path("seq").asLong() > upTo) return all;
                all.add(e);
            }
            if (page.path("next").isNull() || page.path("next").isMissingNode()) return all;
            after = page.path("next").asLong();
        }
    }

    /** A checkpoint from a file: a checkpoint object, or an export whose checkpoint is taken. */
    static AuditAnchor.Checkpoint checkpointFile(Path file) {
        JsonNode n = readJson(file);
        JsonNode cp = n.has("checkpoint") ? n.get("checkpoint") : n;
        try {
            return AuditAnchor.parse(cp, file.toString());
        } catch (IllegalArgumentException e) {
            throw CliException.invalid(e.getMessage());
        }
    }

    static JsonNode readJson(Path file) {
        try {
            JsonNode n = RemoteClient.JSON.readTree(Files.readAllBytes(file));
            if (n == null) throw CliException.invalid(file + ": empty file");
            return n;
        } catch (NoSuchFileException e) {
            throw new CliException(ExitCode.IO, file + ": no such file");
        } catch (IOException e) {
            throw CliException.invalid(file + ": not JSON: " + e.getMessage());
        }
    }

    /**
     * A signed checkpoint of the live head, its public key and the entries it covers (after {@code
     * from}).
     */
    record Snapshot(JsonNode checkpoint, String key, List<JsonNode> entries) {
        static Snapshot take(RemoteClient c, AuditAnchor.Checkpoint from) {
            JsonNode cp = c.post("/api/v1/audit/checkpoints", null).json();
            String key = c.getText("/api/v1/audit/checkpoints/key").text();
            return new Snapshot(
                    cp, key, fetch(c, from == null ? 0 : from.seq(), cp.path("seq").asLong()));
        }
    }

    @Command(
            name = "export",
            mixinStandardHelpOptions = true,
            description = {
                "Write the audit log as JSON, ending at a checkpoint of its head that the service signs for"
                        + " the export, with the checkpoint key's public part."
            })
    static final class Export implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceOptions service;

        @Option(
                names = {"-o", "--output"},
                required = true,
                paramLabel = "FILE")
        Path output;

        @Option(
                names = "--from",
                paramLabel = "CHECKPOINT",
                description =
                        "Export only the entries after this checkpoint (a checkpoint file or an earlier export).")
        Path from;

        @Override
        public Integer call() throws Exception {
            AuditAnchor.Checkpoint start = from == null ? null : checkpointFile(from);
            Snapshot snap = Snapshot.take(service.client(), start);
            ObjectNode root = RemoteClient.JSON.createObjectNode();
            root.set("checkpoint", snap.checkpoint());
            root.put("checkpointKey", snap.key());
            ArrayNode arr = root.putArray("entries");
            snap.entries().forEach(arr::add);
            AtomicFiles.writeBytes(
                    output,
                    RemoteClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            spec.commandLine()
                    .getOut()
                    .printf(
                            "%s: %d entries, checkpoint seq %d%n",
                            output, snap.entries().size(), snap.checkpoint().path("seq").asLong());
            spec.commandLine().getOut().flush();
            return ExitCode.OK;
        }
    }

    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description = {
                "Verify an audit export (or, without FILE, the live log): the hash chain, that it starts at"
                        + " seq 1 with the zero hash (or right after --from), and that it ends at the checkpoint the"
                        + " service signed. With --url and FILE, also compare with the live log.",
                "Exit 0 intact, 1 broken or not anchored."
            })
    static final class Verify implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceOptions service;

        @Parameters(
                paramLabel = "FILE",
                arity = "0..1",
                description = "Export from 'meerkat audit export'.")
        Path file;

        @Option(
                names = "--from",
                paramLabel = "CHECKPOINT",
                description =
                        "The export continues this signed checkpoint (a checkpoint file or the earlier export).")
        Path from;

        @Option(
                names = "--checkpoint-key",
                paramLabel = "PEM",
                description =
                        "The service's published checkpoint key (GET /api/v1/audit/checkpoints/key) to trust.")
        Path checkpointKey;

        @Option(
                names = "--json",
                description =
                        "Print one JSON object, also when the chain is broken or not anchored (exit 1):"
                                + " intact, anchored, entries, first/last seq, head or the problem.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            PrintWriter o = spec.commandLine().getOut();
            AuditAnchor.Checkpoint start = from == null ? null : checkpointFile(from);
            boolean live = file == null;
            RemoteClient client = live || service.url != null ? service.client() : null;
            List<JsonNode> entries;
            JsonNode cpNode;
            String embeddedKey;
            if (live) {
                Snapshot snap = Snapshot.take(client, start);
                entries = snap.entries();
                cpNode = snap.checkpoint();
                embeddedKey = snap.key();
            } else {
                JsonNode root = readJson(file);
                JsonNode arr = root.isArray() ? root : root.get("entries");
                if (arr == null || !arr.isArray())
                    throw CliException.invalid(file + ": no 'entries' array");
                entries = new ArrayList<>();
                arr.forEach(entries::add);
                cpNode = root.isObject() ? root.get("checkpoint") : null;
                embeddedKey =
                        root.isObject() && root.hasNonNull("checkpointKey")
                                ? root.get("checkpointKey").asText()
                                : null;
            }
            AuditChain.Result r = AuditChain.verify(entries);
            if (!r.intact() && json) {
                JsonOutput.print(
                        o,
                        JsonOutput.object(
                                "intact",
                                false,
                                "anchored",
                                false,
                                "brokenSeq",
                                r.brokenSeq(),
                                "brokenIndex",
                                r.brokenIndex(),
                                "problem",
                                r.problem()));
                return ExitCode.INVALID;
            }
            if (!r.intact()) {
                throw CliException.invalid(
                        "audit chain broken at entry seq "
                                + r.brokenSeq()
                                + " (#"
                                + (r.brokenIndex() + 1)
                                + " in the export): "
                                + r.problem());
            }
            try {
                return anchored(o, r, entries, cpNode, embeddedKey, start, client, live);
            } catch (CliException e) {
                if (!json || e.exitCode() != ExitCode.INVALID) throw e;
                // Linked but not anchored: the object still says so, the exit code is 1.
                Map<String, Object> summary = linked(r, false);
                summary.put("problem", e.getMessage());
                JsonOutput.print(o, summary);
                return ExitCode.INVALID;
            }
        }

        /** Checks the linked chain against its signed checkpoint and prints the result. */
        private int anchored(
                PrintWriter o,
                AuditChain.Result r,
                List<JsonNode> entries,
                JsonNode cpNode,
                String embeddedKey,
                AuditAnchor.Checkpoint start,
                RemoteClient client,
                boolean live)
                throws IOException {
            AuditAnchor.Checkpoint head = AuditAnchor.Checkpoint.of(cpNode);
            if (head == null) {
                throw CliException.invalid(
                        "the export carries no signed checkpoint: its end cannot be checked"
                                + " (export it again with 'meerkat audit export')");
            }
            String keySource;
            String keyPem;
            if (checkpointKey != null) {
                keyPem = Files.readString(checkpointKey);
                keySource = checkpointKey.toString();
            } else if (client != null) {
                keyPem = client.getText("/api/v1/audit/checkpoints/key").text();
                keySource = client.base().toString();
            } else if (embeddedKey != null) {
                keyPem = embeddedKey;
                keySource = "the export itself (pin it with --checkpoint-key)";
            } else {
                throw CliException.invalid("no checkpoint key: give --checkpoint-key or --url");
            }
            java.security.PublicKey key;
            try {
                key = AuditAnchor.key(keyPem);
            } catch (IllegalArgumentException e) {
                throw CliException.invalid("checkpoint key: " + e.getMessage());
            }
            if (!AuditAnchor.signedBy(head, key)) {
                throw CliException.invalid(
                        "the export's checkpoint (seq "
                                + head.seq()
                                + ") is not signed by the checkpoint key");
            }
            if (start != null && !AuditAnchor.signedBy(start, key)) {
                throw CliException.invalid(
                        "the --from checkpoint (seq "
                                + start.seq()
                                + ") is not signed by the checkpoint key");
            }
            String why = AuditAnchor.problem(entries, r, start, head);
            if (why != null) throw CliException.invalid("audit export not anchored: " + why);
            if (!live && client != null) compareLive(client, head);
            if (json) {
                Map<String, Object> summary = linked(r, true);
                summary.put("head", head.hash());
                summary.put("checkpointSeq", head.seq());
                summary.put("checkpointAt", String.valueOf(head.at()));
                summary.put("keyFrom", keySource);
                JsonOutput.print(o, summary);
                return ExitCode.OK;
            }
            o.printf(
                    "audit chain intact: %d entries%s, head %s%n",
                    r.checked(),
                    r.checked() == 0 ? "" : " (seq " + r.firstSeq() + ".." + r.lastSeq() + ")",
                    head.hash());
            o.printf(
                    "anchored: checkpoint seq %d signed at %s, key from %s%n",
                    head.seq(), head.at(), keySource);
            o.flush();
            return ExitCode.OK;
        }

        /** The live log must still hold the export's head entry, unchanged. */
        private static void compareLive(RemoteClient client, AuditAnchor.Checkpoint head) {
            if (head.seq() == 0) return;
            JsonNode page = client.get("/api/v1/audit?limit=1&after=" + (head.seq() - 1));
            JsonNode e = page.path("entries").path(0);
            if (e.isMissingNode() || e.path("seq").asLong() != head.seq()) {
                throw CliException.invalid(
                        "the live log no longer holds entry seq " + head.seq() + " (truncated)");
            }
            if (!head.hash().equals(e.path("hash").asText())) {
                throw CliException.invalid(
                        "the live log's entry seq "
                                + head.seq()
                                + " differs from the export"
                                + " (history rewritten)");
            }
        }
    }

    /** The start of the --json summary of a chain whose links all hold, in field order. */
    private static Map<String, Object> linked(AuditChain.Result r, boolean anchored) {
        return JsonOutput.object(
                "intact",
                true,
                "anchored",
                anchored,
                "entries",
                r.checked(),
                "firstSeq",
                r.firstSeq(),
                "lastSeq",
                r.lastSeq());
    }
}
