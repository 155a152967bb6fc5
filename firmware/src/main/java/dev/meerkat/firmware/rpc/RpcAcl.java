package dev.meerkat.firmware.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.firmware.json.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * Which users may call which methods, in Mongoose OS's {@code rpc.acl_file} format: a JSON array of
 * {@code {"method": <pattern>, "acl": <list>}}; the first entry whose pattern matches the method
 * decides. A list is comma-separated user patterns, each optionally prefixed with {@code +} (allow,
 * the default) or {@code -} (deny); its first matching pattern decides, and no match denies. In
 * patterns {@code *} matches any run of characters and {@code ?} one. The anonymous caller's name
 * is the empty string, so {@code "*"} lets everyone in, {@code "?*"} any authenticated user, and
 * {@code "+admin"} only admin.
 */
public final class RpcAcl {

    /** One method rule. */
    public record Rule(String method, String acl) {}

    /** Everything for admin only: what a device uses without an ACL file. */
    public static final RpcAcl DEFAULT =
            new RpcAcl(List.of(new Rule("*", "+" + RpcCredentials.ADMIN)));

    private final List<Rule> rules;

    private RpcAcl(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** Parses an ACL file; {@link IllegalArgumentException} when it is not in the format above. */
    public static RpcAcl parse(byte[] json) {
        JsonNode n = Json.parse(json);
        if (!n.isArray()) {
            throw new IllegalArgumentException("ACL must be a JSON array of {\"method\",\"acl\"}");
        }
        List<Rule> rules = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.path("method").isTextual() || !e.path("acl").isTextual()) {
                throw new IllegalArgumentException(
                        "ACL entry " + e + " needs string method and acl");
            }
            rules.add(new Rule(e.get("method").asText(), e.get("acl").asText()));
        }
        return new RpcAcl(rules);
    }

    public List<Rule> rules() {
        return rules;
    }

    /** Whether {@code user} ("" when anonymous) may call {@code method}. */
    public boolean allows(String method, String user) {
        for (Rule r : rules) {
            if (glob(r.method(), method)) {
                return listAllows(r.acl(), user);
            }
        }
        return false;
    }

    private static boolean listAllows(String acl, String user) {
        for (String entry : acl.split(",")) {
            String e = entry.strip();
            boolean allow = !e.startsWith("-");
            if (e.startsWith("+") || e.startsWith("-")) {
                e = e.substring(1);
            }
            if (!e.isEmpty() && glob(e, user)) {
                return allow;
            }
        }
        return false;
    }

    /** Glob match with {@code *} and {@code ?} (iterative, linear in practice, no regex). */
    static boolean glob(String pattern, String s) {
        int p = 0;
        int i = 0;
        int star = -1;
        int mark = 0;
        while (i < s.length()) {
            if (p < pattern.length()
                    && (pattern.charAt(p) == '?' || pattern.charAt(p) == s.charAt(i))) {
                p++;
                i++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                mark = i;
            } else if (star >= 0) {
                p = star + 1;
                i = ++mark;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
