package dev.meerkat.cli.remote;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.meerkat.cli.AtomicFiles;
import dev.meerkat.cli.CliException;
import dev.meerkat.cli.ExitCode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meerkat audit}: export the service's audit log and verify its hash chain. */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Export the signing service's hash-chained audit log, or verify an export.",
        subcommands = {AuditCommand.Export.class, AuditCommand.Verify.class})
public final class AuditCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static List<JsonNode> fetchAll(RemoteClient c) {
        List<JsonNode> all = new ArrayList<>();
        long after = 0;
        while (true) {
            JsonNode page = c.get("/api/v1/audit?limit=1000&after=" + after);
            page.path("entries").forEach(all::add);
            if (page.path("next").isNull() || page.path("next").isMissingNode()) return all;
            after = page.path("next").asLong();
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true, description = "Write the whole audit log as JSON.")
    static final class Export implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ServiceOptions service;
        @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE")
        Path output;

        @Override
        public Integer call() throws Exception {
            List<JsonNode> all = fetchAll(service.client());
            ObjectNode root = RemoteClient.JSON.createObjectNode();
            ArrayNode arr = root.putArray("entries");
            all.forEach(arr::add);
            AtomicFiles.writeBytes(output, RemoteClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            spec.commandLine().getOut().printf("%s: %d entries%n", output, all.size());
            spec.commandLine().getOut().flush();
            return ExitCode.OK;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Recompute the audit hash chain of an export (or, without FILE, of the live log) and name"
                    + " the first broken entry.", "Exit 0 intact, 1 broken."})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ServiceOptions service;
        @Parameters(paramLabel = "FILE", arity = "0..1", description = "Export from 'meerkat audit export' or GET /api/v1/audit.")
        Path file;
        @Option(names = "--json", description = "Print one JSON object: intact, entries, first/last seq, head or the broken entry.")
        boolean json;

        @Override
        public Integer call() {
            List<JsonNode> entries = file == null ? fetchAll(service.client()) : read(file);
            AuditChain.Result r = AuditChain.verify(entries);
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                dev.meerkat.cli.JsonOutput.print(o, r.intact()
                        ? dev.meerkat.cli.JsonOutput.object("intact", true, "entries", r.checked(),
                                "firstSeq", r.firstSeq(), "lastSeq", r.lastSeq(), "head", r.head())
                        : dev.meerkat.cli.JsonOutput.object("intact", false, "brokenSeq", r.brokenSeq(),
                                "brokenIndex", r.brokenIndex(), "problem", r.problem()));
                return r.intact() ? ExitCode.OK : ExitCode.INVALID;
            }
            if (!r.intact()) {
                throw CliException.invalid("audit chain broken at entry seq " + r.brokenSeq() + " (#" + (r.brokenIndex() + 1)
                        + " in the export): " + r.problem());
            }
            o.printf("audit chain intact: %d entries%s, head %s%n", r.checked(),
                    r.checked() == 0 ? "" : " (seq " + r.firstSeq() + ".." + r.lastSeq() + ")", r.head());
            o.flush();
            return ExitCode.OK;
        }

        private static List<JsonNode> read(Path file) {
            JsonNode root;
            try {
                root = RemoteClient.JSON.readTree(Files.readAllBytes(file));
            } catch (NoSuchFileException e) {
                throw new CliException(ExitCode.IO, file + ": no such file");
            } catch (IOException e) {
                throw CliException.invalid(file + ": not a JSON audit export: " + e.getMessage());
            }
            JsonNode arr = root != null && root.isArray() ? root : root == null ? null : root.get("entries");
            if (arr == null || !arr.isArray()) throw CliException.invalid(file + ": no 'entries' array");
            List<JsonNode> out = new ArrayList<>();
            arr.forEach(out::add);
            return out;
        }
    }
}
