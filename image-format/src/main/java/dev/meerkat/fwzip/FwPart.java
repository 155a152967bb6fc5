package dev.meerkat.fwzip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.fwzip.FwZipException.Problem;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One part of a firmware manifest ({@code parts.<name>} in manifest.json).
 *
 * <p>The well-known fields have their own components; every other attribute ({@code addr}, {@code
 * ptn}, {@code fs_size}, ...) is kept in {@link #attributes()} with its JSON type as read.
 * Components that may be absent are {@code null}.
 *
 * @param name the part's key in the {@code parts} object
 * @param type the {@code type} field (for example {@code app} or {@code fs}), or null
 * @param src name of the archive file holding the part's data, relative to the manifest, or null
 *     for a part without data
 * @param size the {@code size} field, or null
 * @param csSha1 lower-case hex SHA-1 of the data ({@code cs_sha1}), or null
 * @param csSha256 lower-case hex SHA-256 of the data ({@code cs_sha256}), or null
 * @param attributes all other fields, in file order; values are copies and never {@code null} (JSON
 *     null is a {@code NullNode})
 */
public record FwPart(
        String name,
        String type,
        String src,
        Long size,
        String csSha1,
        String csSha256,
        Map<String, JsonNode> attributes) {

    static final Set<String> KNOWN = Set.of("type", "src", "size", "cs_sha1", "cs_sha256");

    public FwPart {
        Objects.requireNonNull(name, "name");
        if (size != null && (size < 0 || size > ZipFormat.U32_MAX)) {
            throw new IllegalArgumentException("size out of range: " + size);
        }
        attributes = copyAttributes(attributes, KNOWN);
    }

    static Map<String, JsonNode> copyAttributes(Map<String, JsonNode> in, Set<String> reserved) {
        if (in == null || in.isEmpty()) {
            return Map.of();
        }
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : in.entrySet()) {
            String k = Objects.requireNonNull(e.getKey(), "attribute name");
            if (reserved.contains(k)) {
                throw new IllegalArgumentException("'" + k + "' is not a free-form attribute");
            }
            out.put(k, FwJson.normalize(e.getValue()));
        }
        return Collections.unmodifiableMap(out);
    }

    /** Returns the attributes; the JSON values are fresh copies, so callers may modify them. */
    @Override
    public Map<String, JsonNode> attributes() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        attributes.forEach((k, v) -> out.put(k, v.deepCopy()));
        return Collections.unmodifiableMap(out);
    }

    /** A copy of one attribute, if present. */
    public Optional<JsonNode> attribute(String key) {
        JsonNode v = attributes.get(key);
        return v == null ? Optional.empty() : Optional.of(v.deepCopy());
    }

    /** An integer attribute such as {@code addr} or {@code fs_size}, if present and integral. */
    public OptionalLong longAttribute(String key) {
        JsonNode v = attributes.get(key);
        return v != null && v.isIntegralNumber() && v.canConvertToLong()
                ? OptionalLong.of(v.longValue())
                : OptionalLong.empty();
    }

    /** A string attribute such as {@code ptn}, if present and a string. */
    public Optional<String> stringAttribute(String key) {
        JsonNode v = attributes.get(key);
        return v != null && v.isTextual() ? Optional.of(v.textValue()) : Optional.empty();
    }

    /** True if the part has data in the archive. */
    public boolean hasData() {
        return src != null;
    }

    /** This part with the data-describing fields replaced. */
    public FwPart withData(String src, long size, String csSha1, String csSha256) {
        return new FwPart(name, type, src, size, csSha1, csSha256, attributes);
    }

    ObjectNode toJson() {
        ObjectNode o = FwJson.object();
        if (type != null) {
            o.put("type", type);
        }
        if (src != null) {
            o.put("src", src);
        }
        if (size != null) {
            o.put("size", size.longValue());
        }
        if (csSha1 != null) {
            o.put("cs_sha1", csSha1);
        }
        if (csSha256 != null) {
            o.put("cs_sha256", csSha256);
        }
        attributes.forEach((k, v) -> o.set(k, v.deepCopy()));
        return o;
    }

    static FwPart fromJson(String name, JsonNode n) throws FwZipException {
        String where = "parts." + name;
        if (!n.isObject()) {
            throw bad(where + " is not a JSON object");
        }
        String type = optString(n, "type", where);
        String src;
        JsonNode s = n.get("src");
        if (s != null && s.isObject()) {
            throw new FwZipException(
                    Problem.BAD_MANIFEST,
                    FwBundle.MANIFEST_NAME,
                    -1,
                    where + ".src is a directory listing, which is not supported");
        }
        src = optString(n, "src", where);
        Long size = null;
        JsonNode z = n.get("size");
        if (z != null && !z.isNull()) {
            if (!z.isIntegralNumber()
                    || !z.canConvertToLong()
                    || z.longValue() < 0
                    || z.longValue() > ZipFormat.U32_MAX) {
                throw bad(where + ".size is not an integer between 0 and 2^32-1");
            }
            size = z.longValue();
        }
        String sha1 = optString(n, "cs_sha1", where);
        String sha256 = optString(n, "cs_sha256", where);
        Map<String, JsonNode> attrs = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!KNOWN.contains(e.getKey())) {
                attrs.put(e.getKey(), e.getValue());
            }
        }
        return new FwPart(name, type, src, size, sha1, sha256, attrs);
    }

    static String optString(JsonNode n, String key, String where) throws FwZipException {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw bad(where + "." + key + " is not a string");
        }
        return v.textValue();
    }

    static FwZipException bad(String what) {
        return new FwZipException(Problem.BAD_MANIFEST, FwBundle.MANIFEST_NAME, -1, what);
    }
}
