package dev.meerkat.cli.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.firmware.json.Json;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code meerkat config get|set}: a device's configuration, as {@code mos config-get/config-set}.
 */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "Read or change a device's configuration (Config.Get, Config.Set).",
        subcommands = {ConfigCommand.Get.class, ConfigCommand.Set.class})
public final class ConfigCommand implements Runnable {

    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code config get [KEY]}. */
    @Command(
            name = "get",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description =
                    "Print the configuration, or one key of it (dotted, e.g. mqtt.server). A text value "
                            + "prints as is; objects, numbers and booleans as JSON.",
            footer = {
                DeviceOptions.PORTS,
                "%nExit codes: 0 ok, 1 the device refused or has no such key, 2 " + "usage error,",
                "3 unreachable."
            })
    static final class Get implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Mixin DeviceOptions device;

        @Parameters(
                index = "0",
                arity = "0..1",
                paramLabel = "KEY",
                description = "A dotted key; all when absent.")
        String key;

        @Option(names = "--json", description = "Print {\"key\":…,\"value\":…} on one line.")
        boolean json;

        @Override
        public Integer call() {
            try (RpcLink link = device.open()) {
                JsonNode v =
                        device.call(
                                link,
                                "Config.Get",
                                Json.object().put("key", key == null ? "" : key));
                PrintWriter out = spec.commandLine().getOut();
                if (json) {
                    ObjectNode o = Json.object();
                    if (key == null) o.putNull("key");
                    else o.put("key", key);
                    o.set("value", v == null ? Json.MAPPER.nullNode() : v);
                    DeviceJson.print(out, o, true);
                } else if (v != null && v.isTextual()) {
                    out.println(v.asText());
                    out.flush();
                } else {
                    DeviceJson.print(out, v, false);
                }
            }
            return 0;
        }
    }

    /** {@code config set KEY=VALUE…}. */
    @Command(
            name = "set",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description =
                    "Set configuration keys, save them and reboot the device so they apply (as mos "
                            + "does). A VALUE takes the type the key has on the device: text stays text, numbers and "
                            + "booleans are parsed (a key the device does not know takes VALUE as JSON, else text).",
            footer = {
                DeviceOptions.PORTS,
                "%nExit codes: 0 set, 1 the device refused (validation, 401/403), "
                        + "2 usage error,",
                "3 unreachable."
            })
    static final class Set implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Mixin DeviceOptions device;

        @Parameters(
                arity = "1..*",
                paramLabel = "KEY=VALUE",
                description = "Dotted key and its new value.")
        List<String> assignments;

        @Option(
                names = "--no-save",
                description = "Change the running configuration only (implies --no-reboot).")
        boolean noSave;

        @Option(
                names = "--no-reboot",
                description = "Save without rebooting (the change applies at the next boot).")
        boolean noReboot;

        @Option(names = "--json", description = "Print the outcome as one JSON document.")
        boolean json;

        @Override
        public Integer call() {
            Map<String, String> pairs = new LinkedHashMap<>();
            for (String a : assignments) {
                int eq = a.indexOf('=');
                if (eq <= 0 || !a.substring(0, eq).matches("[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*")) {
                    throw CliException.usage("'" + a + "' is not KEY=VALUE with a dotted key");
                }
                pairs.put(a.substring(0, eq), a.substring(eq + 1));
            }
            boolean save = !noSave;
            boolean reboot = save && !noReboot;
            try (RpcLink link = device.open()) {
                ObjectNode config = Json.object();
                ObjectNode set = Json.object();
                for (Map.Entry<String, String> p : pairs.entrySet()) {
                    JsonNode value = typed(link, p.getKey(), p.getValue());
                    set.set(p.getKey(), value);
                    ObjectNode at = config;
                    String[] path = p.getKey().split("\\.");
                    for (int i = 0; i < path.length - 1; i++) {
                        at =
                                at.has(path[i]) && at.get(path[i]).isObject()
                                        ? (ObjectNode) at.get(path[i])
                                        : at.putObject(path[i]);
                    }
                    at.set(path[path.length - 1], value);
                }
                ObjectNode args = Json.object();
                args.set("config", config);
                args.put("save", save).put("reboot", reboot);
                JsonNode r = device.call(link, "Config.Set", args);
                PrintWriter out = spec.commandLine().getOut();
                if (json) {
                    ObjectNode o = Json.object();
                    o.set("set", set);
                    o.put("saved", r != null && r.path("saved").asBoolean(save))
                            .put("reboot", reboot);
                    DeviceJson.print(out, o, true);
                } else {
                    out.println(
                            "set "
                                    + String.join(", ", pairs.keySet())
                                    + (save ? "; saved" : "; not saved")
                                    + (reboot ? "; the device reboots to apply it" : ""));
                    out.flush();
                }
            }
            return 0;
        }

        /** VALUE typed as the key's current value on the device. */
        private JsonNode typed(RpcLink link, String key, String text) {
            JsonNode current;
            try {
                current = link.call("Config.Get", Json.object().put("key", key));
            } catch (DeviceError e) {
                current = null;
            }
            if (current != null && current.isTextual()) {
                return Json.MAPPER.getNodeFactory().textNode(text);
            }
            JsonNode parsed;
            try {
                parsed = Json.parse(text);
            } catch (IllegalArgumentException e) {
                parsed = null;
            }
            if (current == null) {
                return parsed != null ? parsed : Json.MAPPER.getNodeFactory().textNode(text);
            }
            boolean fits =
                    parsed != null
                            && (current.isBoolean()
                                    ? parsed.isBoolean()
                                    : current.isNumber()
                                            ? parsed.isNumber()
                                            : current.isObject()
                                                    ? parsed.isObject()
                                                    : current.isArray() ? parsed.isArray() : true);
            if (!fits) {
                String type =
                        current.isBoolean()
                                ? "true or false"
                                : current.isNumber()
                                        ? "a number"
                                        : current.isObject() ? "a JSON object" : "JSON";
                throw CliException.usage(key + " takes " + type + ", not '" + text + "'");
            }
            return parsed;
        }
    }
}
