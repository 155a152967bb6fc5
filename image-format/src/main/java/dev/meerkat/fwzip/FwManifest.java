package dev.meerkat.fwzip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.fwzip.FwZipException.Problem;
import java.io.IOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The contents of a fw.zip {@code manifest.json}.
 *
 * <p>Optional top-level fields are {@code null} when absent. Unknown top-level fields (for example
 * those added with {@code --extra-attr}) are kept in {@link #attributes()} with their JSON types.
 *
 * @param name firmware name ({@code name})
 * @param platform target platform such as {@code esp32} ({@code platform})
 * @param version firmware version ({@code version})
 * @param buildId build identifier ({@code build_id}), or null
 * @param buildTimestamp build time as written, usually RFC 3339 ({@code build_timestamp}), or null
 * @param description free text ({@code description}), or null
 * @param parts the parts by name, in file order
 * @param attributes other top-level fields, in file order
 */
public record FwManifest(
        String name,
        String platform,
        String version,
        String buildId,
        String buildTimestamp,
        String description,
        Map<String, FwPart> parts,
        Map<String, JsonNode> attributes) {

    /** Most parts a manifest may list. */
    public static final int MAX_PARTS = 256;

    static final Set<String> KNOWN =
            Set.of(
                    "name",
                    "platform",
                    "version",
                    "build_id",
                    "build_timestamp",
                    "description",
                    "parts");

    public FwManifest {
        Objects.requireNonNull(parts, "parts");
        if (parts.size() > MAX_PARTS) {
            throw new IllegalArgumentException("more than " + MAX_PARTS + " parts");
        }
        Map<String, FwPart> p = new LinkedHashMap<>();
        parts.forEach(
                (k, v) -> {
                    Objects.requireNonNull(v, "part");
                    if (!k.equals(v.name())) {
                        throw new IllegalArgumentException(
                                "part key '" + k + "' differs from its name");
                    }
                    p.put(k, v);
                });
        parts = Collections.unmodifiableMap(p);
        attributes = FwPart.copyAttributes(attributes, KNOWN);
    }

    /** Returns the attributes; the JSON values are fresh copies. */
    @Override
    public Map<String, JsonNode> attributes() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        attributes.forEach((k, v) -> out.put(k, v.deepCopy()));
        return Collections.unmodifiableMap(out);
    }

    /** The part with this name, if any. */
    public Optional<FwPart> part(String partName) {
        return Optional.ofNullable(parts.get(partName));
    }

    /** The directory {@code mgos_fw_meta.py} puts entries in: {@code <name>-<version>}. */
    public String directoryName() {
        return name + "-" + version;
    }

    /** This manifest with one part added or replaced. */
    public FwManifest withPart(FwPart part) {
        Map<String, FwPart> p = new LinkedHashMap<>(parts);
        p.put(part.name(), part);
        return new FwManifest(
                name, platform, version, buildId, buildTimestamp, description, p, attributes);
    }

    /**
     * Serialises as {@code mgos_fw_meta.py} does ({@code json.dumps(indent=2, sort_keys=True)}), so
     * a manifest read from a file that tool wrote serialises to the same bytes.
     */
    public byte[] toJson() {
        return FwJson.pretty(toJsonNode());
    }

    /** The manifest as a Jackson tree (a fresh copy). */
    public ObjectNode toJsonNode() {
        ObjectNode o = FwJson.object();
        putOpt(o, "name", name);
        putOpt(o, "platform", platform);
        putOpt(o, "version", version);
        putOpt(o, "build_id", buildId);
        putOpt(o, "build_timestamp", buildTimestamp);
        putOpt(o, "description", description);
        ObjectNode ps = o.putObject("parts");
        parts.forEach((k, v) -> ps.set(k, v.toJson()));
        attributes.forEach((k, v) -> o.set(k, v.deepCopy()));
        return o;
    }

    private static void putOpt(ObjectNode o, String k, String v) {
        if (v != null) {
            o.put(k, v);
        }
    }

    /** Parses manifest.json bytes. Any problem is reported as {@link Problem#BAD_MANIFEST}. */
    public static FwManifest parse(byte[] json) throws FwZipException {
        if (json.length > FwBundle.MAX_MANIFEST_SIZE) {
            throw FwPart.bad(
                    "manifest is "
                            + json.length
                            + " bytes, more than the limit of "
                            + FwBundle.MAX_MANIFEST_SIZE);
        }
        JsonNode root;
        try {
            root = FwJson.parse(json);
        } catch (IOException e) {
            throw new FwZipException(
                    Problem.BAD_MANIFEST,
                    FwBundle.MANIFEST_NAME,
                    -1,
                    "not valid JSON: " + firstLine(e.getMessage()));
        }
        if (!root.isObject()) {
            throw FwPart.bad("manifest is not a JSON object");
        }
        String where = "manifest";
        String name = FwPart.optString(root, "name", where);
        String platform = FwPart.optString(root, "platform", where);
        String version = FwPart.optString(root, "version", where);
        String buildId = FwPart.optString(root, "build_id", where);
        String buildTs = FwPart.optString(root, "build_timestamp", where);
        String description = FwPart.optString(root, "description", where);
        JsonNode ps = root.get("parts");
        if (ps == null || !ps.isObject()) {
            throw FwPart.bad("manifest has no \"parts\" object");
        }
        if (ps.size() > MAX_PARTS) {
            throw new FwZipException(
                    Problem.LIMIT_EXCEEDED,
                    FwBundle.MANIFEST_NAME,
                    -1,
                    "manifest lists " + ps.size() + " parts, more than the limit of " + MAX_PARTS);
        }
        Map<String, FwPart> parts = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = ps.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            parts.put(e.getKey(), FwPart.fromJson(e.getKey(), e.getValue()));
        }
        Map<String, JsonNode> attrs = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!KNOWN.contains(e.getKey())) {
                attrs.put(e.getKey(), e.getValue());
            }
        }
        return new FwManifest(name, platform, version, buildId, buildTs, description, parts, attrs);
    }

    static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return FwZipException.sanitize(nl < 0 ? s : s.substring(0, nl));
    }
}
