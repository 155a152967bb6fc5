package dev.meerkat.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Renders JSON byte-for-byte as Python's {@code json.dumps} does (ASCII only, {@code ", "}/{@code
 * ": "} separators when indented), the format of imgtool's dumpinfo and of mgos_fw_meta.py
 * manifests.
 */
public final class PythonJson {
    private PythonJson() {}

    /** {@code json.dumps(node, indent=2[, sort_keys=True])}; no trailing newline. */
    public static String pretty(JsonNode node, boolean sortKeys) {
        StringBuilder sb = new StringBuilder();
        write(sb, node, 0, true, sortKeys);
        return sb.toString();
    }

    /**
     * Compact form without spaces ({@code separators=(",", ":")}), as Go's json.Marshal writes
     * maps.
     */
    public static String compact(JsonNode node, boolean sortKeys) {
        StringBuilder sb = new StringBuilder();
        write(sb, node, 0, false, sortKeys);
        return sb.toString();
    }

    private static void write(
            StringBuilder sb, JsonNode n, int indent, boolean pretty, boolean sortKeys) {
        if (n.isObject()) {
            if (n.isEmpty()) {
                sb.append("{}");
                return;
            }
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); )
                fields.add(it.next());
            if (sortKeys) fields.sort(Map.Entry.comparingByKey());
            sb.append('{');
            for (int i = 0; i < fields.size(); i++) {
                if (i > 0) sb.append(',');
                newline(sb, indent + 1, pretty);
                string(sb, fields.get(i).getKey());
                sb.append(pretty ? ": " : ":");
                write(sb, fields.get(i).getValue(), indent + 1, pretty, sortKeys);
            }
            newline(sb, indent, pretty);
            sb.append('}');
        } else if (n.isArray()) {
            if (n.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            for (int i = 0; i < n.size(); i++) {
                if (i > 0) sb.append(',');
                newline(sb, indent + 1, pretty);
                write(sb, n.get(i), indent + 1, pretty, sortKeys);
            }
            newline(sb, indent, pretty);
            sb.append(']');
        } else if (n.isTextual()) {
            string(sb, n.textValue());
        } else if (n.isIntegralNumber()) {
            sb.append(n.bigIntegerValue());
        } else if (n.isNumber()) {
            sb.append(decimal(n.decimalValue()));
        } else if (n.isBoolean()) {
            sb.append(n.booleanValue() ? "true" : "false");
        } else {
            sb.append("null");
        }
    }

    private static String decimal(BigDecimal d) {
        // Python writes 1e+20 / 1.5e-07 where BigDecimal writes 1E+20 / 1.5E-7.
        return d.toString().replace('E', 'e');
    }

    private static void newline(StringBuilder sb, int indent, boolean pretty) {
        if (pretty) sb.append('\n').append("  ".repeat(indent));
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
