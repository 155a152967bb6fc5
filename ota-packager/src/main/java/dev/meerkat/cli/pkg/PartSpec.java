package dev.meerkat.cli.pkg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses part specifications the way {@code mgos_fw_meta.py create_manifest} does: {@code
 * name:key=value,key=value}. Values are typed: empty stays an empty string, quoted values are
 * strings, {@code true}/{@code false} are booleans, integers with an optional {@code 0x}, {@code
 * 0o} or {@code 0b} prefix are numbers, then decimals, and anything else is a string.
 */
record PartSpec(String name, Map<String, JsonNode> attributes) {
    private static final JsonNodeFactory J = JsonNodeFactory.withExactBigDecimals(true);

    static PartSpec parse(String spec) {
        int colon = spec.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(
                    "invalid part '" + spec + "': expected name:key=value,key=value");
        }
        String name = spec.substring(0, colon);
        Map<String, JsonNode> attrs = new LinkedHashMap<>();
        String body = spec.substring(colon + 1);
        if (!body.isEmpty()) {
            for (String kv : body.split(",", -1)) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException(
                            "invalid property '"
                                    + kv
                                    + "' in part '"
                                    + name
                                    + "': expected key=value");
                }
                String k = kv.substring(0, eq);
                if (attrs.put(k, value(kv.substring(eq + 1))) != null) {
                    throw new IllegalArgumentException(
                            "property '" + k + "' given twice in part '" + name + "'");
                }
            }
        }
        return new PartSpec(name, attrs);
    }

    /** Types a value as mgos_fw_meta.py does. */
    static JsonNode value(String v) {
        if (v.isEmpty()) {
            return J.textNode("");
        }
        char q = v.charAt(0);
        if (q == '\'' || q == '"') {
            if (v.length() < 2 || v.charAt(v.length() - 1) != q) {
                throw new IllegalArgumentException("unmatched quote in value " + v);
            }
            return J.textNode(v.substring(1, v.length() - 1).replace("\\" + q, String.valueOf(q)));
        }
        if (v.equals("true") || v.equals("false")) {
            return J.booleanNode(v.equals("true"));
        }
        BigInteger i = integer(v);
        if (i != null) {
            return i.bitLength() < 32
                    ? J.numberNode(i.intValue())
                    : i.bitLength() < 64 ? J.numberNode(i.longValue()) : J.numberNode(i);
        }
        try {
            return J.numberNode(new BigDecimal(v));
        } catch (NumberFormatException e) {
            return J.textNode(v);
        }
    }

    /**
     * Python's int(v, 0): optional sign, base prefix, underscores between digits, no leading 0s.
     */
    static BigInteger integer(String v) {
        String s = v;
        boolean neg = false;
        if (s.startsWith("-") || s.startsWith("+")) {
            neg = s.startsWith("-");
            s = s.substring(1);
        }
        if (s.startsWith("-") || s.startsWith("+")) {
            return null;
        }
        int radix = 10;
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("0x")) {
            radix = 16;
        } else if (lower.startsWith("0o")) {
            radix = 8;
        } else if (lower.startsWith("0b")) {
            radix = 2;
        }
        if (radix != 10) {
            s = s.substring(2);
            if (s.startsWith("_")) {
                s = s.substring(1);
            }
        } else if (s.length() > 1 && s.startsWith("0") && !s.matches("0+")) {
            return null;
        }
        if (s.isEmpty() || s.startsWith("_") || s.endsWith("_") || s.contains("__")) {
            return null;
        }
        try {
            BigInteger r = new BigInteger(s.replace("_", ""), radix);
            return neg ? r.negate() : r;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
