package dev.meerkat.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meerkat approve}: list, approve or reject signing requests against production keys. */
@Command(
        name = "approve",
        mixinStandardHelpOptions = true,
        description = {
            "Approve (or --reject) a pending signing request for a production key; --list shows pending ones.",
            "The requester cannot approve their own request; each approver counts once."
        })
public final class ApproveCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ServiceOptions service;

    @Parameters(paramLabel = "REQUEST", arity = "0..1", description = "Request id.")
    String request;

    @Option(names = "--reject", description = "Reject instead: one rejection rejects the request.")
    boolean reject;

    @Option(
            names = {"-m", "--comment"},
            paramLabel = "TEXT",
            description = "Why; recorded in the audit log.")
    String comment;

    @Option(names = "--list", description = "List pending requests.")
    boolean list;

    @Option(
            names = "--json",
            description = "Print JSON: {\"requests\":[…]} with --list, else the request object.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        RemoteClient c = service.client();
        if (list) {
            JsonNode pending = c.get("/api/v1/requests?state=pending");
            if (json) {
                dev.meerkat.cli.io.JsonOutput.print(
                        o, dev.meerkat.cli.io.JsonOutput.object("requests", pending));
                return ExitCode.OK;
            }
            for (JsonNode r : pending) o.println(describe(r));
            o.flush();
            return ExitCode.OK;
        }
        if (request == null) throw CliException.usage("give a request id, or --list");
        Map<String, Object> body = new LinkedHashMap<>();
        if (comment != null) body.put("comment", comment);
        JsonNode r =
                c.post(
                                "/api/v1/requests/"
                                        + RemoteClient.encode(request)
                                        + (reject ? "/reject" : "/approve"),
                                body)
                        .json();
        if (json) {
            dev.meerkat.cli.io.JsonOutput.print(o, r);
            return ExitCode.OK;
        }
        o.println(describe(r));
        o.flush();
        return ExitCode.OK;
    }

    static String describe(JsonNode r) {
        int approved = 0;
        for (JsonNode a : r.path("approvals")) {
            if ("approved".equals(a.path("decision").asText())) approved++;
        }
        String image =
                r.hasNonNull("fileName")
                                || r.hasNonNull("imageVersion")
                                || r.hasNonNull("imageSize")
                        ? String.format(
                                " file %s version %s %s bytes,",
                                r.path("fileName").asText("?"),
                                r.path("imageVersion").asText("?"),
                                r.hasNonNull("imageSize") ? r.path("imageSize").asText() : "?")
                        : "";
        return String.format(
                "%s %-9s key %s v%d%s image %s:%s by %s, %d/%d approvals",
                r.path("requestId").asText(),
                r.path("state").asText(),
                r.path("keyId").asText(),
                r.path("keyVersion").asInt(),
                image,
                r.path("algorithm").asText(),
                r.path("digest").asText(),
                r.path("requester").asText(),
                approved,
                r.path("approvalsRequired").asInt());
    }
}
