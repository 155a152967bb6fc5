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
import dev.meerkat.image.PythonJson;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * JSON reading with hard limits, and JSON writing in the exact shape Python's {@code
 * json.dumps(obj, indent=2, sort_keys=True)} produces (as {@code mgos_fw_meta.py} does), or compact
 * with sorted keys (as Go's {@code json.Marshal} of a map does).
 */
final class FwJson {
    private FwJson() {}

    static final int MAX_DEPTH = 32;

    static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

    private static final ObjectMapper MAPPER = createMapper();

    private static ObjectMapper createMapper() {
        JsonFactory f =
                JsonFactory.builder()
                        .streamReadConstraints(
                                StreamReadConstraints.builder()
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
        return PythonJson.pretty(node, true).getBytes(StandardCharsets.US_ASCII);
    }

    /** Compact, sorted keys, ASCII only. */
    static byte[] compact(JsonNode node) {
        return PythonJson.compact(node, true).getBytes(StandardCharsets.US_ASCII);
    }

    static ObjectNode object() {
        return NODES.objectNode();
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
