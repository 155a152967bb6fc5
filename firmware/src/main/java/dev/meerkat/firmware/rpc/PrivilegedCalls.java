package dev.meerkat.firmware.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Calls that take over or disable a device, which an authenticated user must make whatever the ACL
 * says (an ACL that opens {@code Config.Set} to everyone still does not let an anonymous caller
 * rename the device, allow downgrades, expose the RPC port, change who may call, or reboot it).
 * Decisions as data: each rule names the method, what it protects and when it applies.
 */
public final class PrivilegedCalls {

    private record Rule(String method, String why, Predicate<JsonNode> applies) {}

    private static final List<Rule> RULES =
            List.of(
                    new Rule("Sys.Reboot", "reboots the device", a -> true),
                    new Rule(
                            "Config.Set",
                            "changes device.id",
                            a -> a.path("config").path("device").has("id")),
                    new Rule(
                            "Config.Set",
                            "changes ota.allow_downgrade",
                            a -> a.path("config").path("ota").has("allow_downgrade")),
                    new Rule(
                            "Config.Set",
                            "changes who may call (rpc.*)",
                            a -> a.path("config").has("rpc")),
                    new Rule(
                            "Config.Set",
                            "changes TLS or opens the RPC port beyond the loopback interface",
                            a ->
                                    a.path("config").path("http").has("ssl_cert")
                                            || a.path("config").path("http").has("ssl_key")
                                            || a.path("config").path("http").has("ssl_ca_cert")
                                            || !isLoopback(
                                                    a.path("config")
                                                            .path("http")
                                                            .path("listen_addr")
                                                            .asText("127.0.0.1:0"))),
                    new Rule(
                            "Config.Set",
                            "writes a level other than the user level",
                            a -> a.has("level") && a.path("level").asInt(-1) != 9),
                    new Rule(
                            "FS.Put",
                            "writes a configuration level or an RPC security file",
                            PrivilegedCalls::protectedFile),
                    new Rule(
                            "FS.Remove",
                            "removes a configuration level or an RPC security file",
                            PrivilegedCalls::protectedFile));

    private final List<String> securityFiles;

    /**
     * @param securityFiles the names of the credential, ACL and TLS files in use
     */
    public PrivilegedCalls(List<String> securityFiles) {
        this.securityFiles = securityFiles.stream().filter(f -> !f.isEmpty()).toList();
    }

    /** Why {@code method(args)} needs an authenticated user, or empty when it does not. */
    public Optional<String> why(String method, JsonNode args) {
        for (Rule r : RULES) {
            if (r.method().equals(method) && (r.applies().test(args) || applies(r, args))) {
                return Optional.of(r.why());
            }
        }
        return Optional.empty();
    }

    private boolean applies(Rule r, JsonNode args) {
        return r.method().startsWith("FS.")
                && securityFiles.contains(args.path("filename").asText(""));
    }

    private static boolean protectedFile(JsonNode a) {
        return a.path("filename").asText("").matches("conf.*\\.json");
    }

    /** Whether the host of {@code host:port} is a loopback address. */
    static boolean isLoopback(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
        return host.startsWith("127.")
                || host.equals("[::1]")
                || host.equalsIgnoreCase("localhost");
    }
}
