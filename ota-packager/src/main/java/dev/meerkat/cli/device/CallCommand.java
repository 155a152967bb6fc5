package dev.meerkat.cli.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.json.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meerkat call METHOD [ARGS]}: one RPC call, as {@code mos call}. */
@Command(
        name = "call",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Call an RPC method on a device and print its result as JSON.",
        footer = {
            DeviceOptions.PORTS,
            "%nExample:%n  meerkat call Sys.GetInfo --port http://127.0.0.1:8910 --password-file pw.txt",
            "%nExit codes: 0 the device answered a result, 1 it answered an error (401 wrong",
            "credentials, 403 not allowed, 404 no such method...), 2 usage error, 3 device or",
            "broker unreachable."
        })
public final class CallCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin DeviceOptions device;

    @Parameters(
            index = "0",
            paramLabel = "METHOD",
            description = "The method, e.g. Sys.GetInfo, Config.Get, RPC.List.")
    String method;

    @Parameters(
            index = "1",
            arity = "0..1",
            paramLabel = "ARGS",
            description = "Its arguments, a JSON object.")
    String args;

    @Option(names = "--json", description = "Print {\"result\":…} on one line.")
    boolean json;

    @Override
    public Integer call() {
        JsonNode a = args == null ? null : DeviceJson.parseArgs(args, "ARGS");
        try (RpcLink link = device.open()) {
            JsonNode result = device.call(link, method, a);
            if (json) {
                ObjectNode o = Json.object();
                o.set("result", result == null ? Json.MAPPER.nullNode() : result);
                DeviceJson.print(spec.commandLine().getOut(), o, true);
            } else {
                DeviceJson.print(spec.commandLine().getOut(), result, false);
            }
        }
        return 0;
    }
}
