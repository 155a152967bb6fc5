package dev.meerkat.fwzip;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON reading with hard limits, and JSON writing in the exact shape Python's
 * {@code json.dumps(obj, indent=2, sort_keys=True)} produces (as {@code mgos_fw_meta.py} does), or
 * compact with sorted keys (as Go's {@code json.Marshal} of a map does).
 */
final class FwJson {
  private FwJson() {}

  static final int MAX_DEPTH = 32;

  static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

  private static final ObjectMapper MAPPER = createMapper();

  private static ObjectMapper createMapper() {
    JsonFactory f = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(MAX_DEPTH)
            .maxStringLength(1 << 20)
            .maxNumberLength(100)
            .maxNameLength(4096)
            .maxDocumentLength(FwBundle.MAX_MANIFEST_SIZE)
            .build())
        .build();
    ObjectMapper m = new ObjectMapper(f);
    m.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    m.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    m.configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
    m.setNodeFactory(NODES);
    return m;
  }

  /** Parses a JSON document; any failure is reported as a message, never as a runtime error. */
  static JsonNode parse(byte[] json) throws IOException {
    try {
      JsonNode n = MAPPER.readTree(json);
      if (n == null || n.isMissingNode()) {
        throw new IOException("empty document");
      }
      return n;
    } catch (IOException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      throw new IOException(e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  /** Pretty-printed, sorted keys, two-space indent, ASCII only, no trailing newline. */
  static byte[] pretty(JsonNode node) {
    StringBuilder sb = new StringBuilder();
    write(sb, node, 0, true);
    return sb.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** Compact, sorted keys, ASCII only. */
  static byte[] compact(JsonNode node) {
    StringBuilder sb = new StringBuilder();
    write(sb, node, -1, false);
    return sb.toString().getBytes(StandardCharsets.US_ASCII);
  }

  static ObjectNode object() {
    return NODES.objectNode();
  }

  private static void write(StringBuilder sb, JsonNode n, int indent, boolean pretty) {
    if (n.isObject()) {
      if (n.isEmpty()) {
        sb.append("{}");
        return;
      }
      Map<String, JsonNode> sorted = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        sorted.put(e.getKey(), e.getValue());
      }
      sb.append('{');
      boolean first = true;
      for (Map.Entry<String, JsonNode> e : sorted.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        newline(sb, indent + 1, pretty);
        string(sb, e.getKey());
        sb.append(pretty ? ": " : ":");
        write(sb, e.getValue(), indent + 1, pretty);
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
        if (i > 0) {
          sb.append(',');
        }
        newline(sb, indent + 1, pretty);
        write(sb, n.get(i), indent + 1, pretty);
      }
      newline(sb, indent, pretty);
      sb.append(']');
    } else if (n.isTextual()) {
      string(sb, n.textValue());
    } else if (n.isIntegralNumber()) {
      sb.append(n.bigIntegerValue().toString());
    } else if (n.isNumber()) {
      sb.append(decimal(n.decimalValue()));
    } else if (n.isBoolean()) {
      sb.append(n.booleanValue() ? "true" : "false");
    } else {
      sb.append("null");
    }
  }

  private static String decimal(BigDecimal d) {
    String s = d.toString();
    // Python writes 1e+20 / 1.5e-07 where BigDecimal writes 1E+20 / 1.5E-7.
    return s.replace('E', 'e');
  }

  private static void newline(StringBuilder sb, int indent, boolean pretty) {
    if (pretty) {
      sb.append('\n');
      for (int i = 0; i < indent; i++) {
        sb.append("  ");
      }
    }
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
          if (c < 0x20 || c > 0x7e) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /** Normalises integral nodes to the narrowest Jackson type so that equality is by value. */
  static JsonNode normalize(JsonNode n) {
    if (n == null) {
      return NODES.nullNode();
    }
    if (n.isIntegralNumber()) {
      BigInteger v = n.bigIntegerValue();
      if (v.bitLength() < 32) {
        return NODES.numberNode(v.intValue());
      }
      if (v.bitLength() < 64) {
        return NODES.numberNode(v.longValue());
      }
      return NODES.numberNode(v);
    }
    if (n.isObject()) {
      ObjectNode o = NODES.objectNode();
      n.fields().forEachRemaining(e -> o.set(e.getKey(), normalize(e.getValue())));
      return o;
    }
    if (n.isArray()) {
      var a = NODES.arrayNode();
      n.forEach(x -> a.add(normalize(x)));
      return a;
    }
    return n.deepCopy();
  }
}
