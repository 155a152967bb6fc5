package dev.meerkat.cloud.aws.ota;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.cloud.aws.jobs.JobsJson;
import java.util.List;
import java.util.Set;

/**
 * The {@code {"afr_ota": {...}}} job document. {@link #parse} validates what the FreeRTOS OTA agent
 * requires (protocols, 1..10 files, sizes within uint32, a delivery route for each file); the
 * signature itself is checked by whoever holds the trusted keys.
 */
public record AfrOtaDocument(
        @JsonProperty("protocols") List<String> protocols,
        @JsonProperty("streamname") String streamname,
        @JsonProperty("files") List<AfrOtaFile> files) {

    public static final String ROOT = "afr_ota";
    public static final int MAX_FILES = 10;
    private static final Set<String> PROTOCOLS = Set.of("MQTT", "HTTP");
    private static final long UINT32_MAX = 0xFFFF_FFFFL;

    public AfrOtaDocument {
        protocols = protocols == null ? null : List.copyOf(protocols);
        files = files == null ? null : List.copyOf(files);
    }

    /** The whole job document, {@code {"afr_ota": this}}. */
    public ObjectNode toJobDocument() {
        ObjectNode root = JobsJson.mapper().createObjectNode();
        root.set(ROOT, JobsJson.mapper().valueToTree(this));
        return root;
    }

    /** The job document as the string CreateJob's {@code document} member carries. */
    public String toJobDocumentString() {
        return toJobDocument().toString();
    }

    /**
     * Reads and validates a job document; throws IllegalArgumentException naming the first defect.
     */
    public static AfrOtaDocument parse(JsonNode jobDocument) {
        JsonNode ota = jobDocument == null ? null : jobDocument.get(ROOT);
        if (ota == null || !ota.isObject()) {
            throw new IllegalArgumentException("job document has no afr_ota object");
        }
        AfrOtaDocument doc;
        try {
            doc = JobsJson.mapper().treeToValue(ota, AfrOtaDocument.class);
        } catch (Exception e) {
            throw new IllegalArgumentException(
                    "afr_ota is malformed: " + e.getMessage().lines().findFirst().orElse(""));
        }
        doc.validate();
        return doc;
    }

    private void validate() {
        if (protocols == null || protocols.isEmpty() || !PROTOCOLS.containsAll(protocols)) {
            throw new IllegalArgumentException(
                    "afr_ota.protocols must be a non-empty subset of [MQTT, HTTP]");
        }
        if (files == null || files.isEmpty() || files.size() > MAX_FILES) {
            throw new IllegalArgumentException(
                    "afr_ota.files must have 1.." + MAX_FILES + " entries");
        }
        for (int i = 0; i < files.size(); i++) {
            AfrOtaFile f = files.get(i);
            String at = "afr_ota.files[" + i + "]";
            if (f == null) {
                throw new IllegalArgumentException(at + " is null");
            }
            requireUint32(f.filesize(), at + ".filesize");
            requireUint32(f.fileid(), at + ".fileid");
            boolean http = f.updateDataUrl() != null && protocols.contains("HTTP");
            boolean mqtt = streamname != null && protocols.contains("MQTT");
            if (!http && !mqtt) {
                throw new IllegalArgumentException(
                        at
                                + " has no delivery route (update_data_url with HTTP,"
                                + " or streamname with MQTT)");
            }
            if (f.updateDataUrl() != null
                    && !httpUrl(f.updateDataUrl())
                    && !presignPlaceholder(f.updateDataUrl())) {
                throw new IllegalArgumentException(
                        at
                                + ".update_data_url is not an http(s) URL or an AWS IoT"
                                + " ${aws:iot:s3-presigned-url:...} placeholder");
            }
        }
    }

    private static boolean httpUrl(String url) {
        return url.startsWith("https://") || url.startsWith("http://");
    }

    /** The job document as stored: AWS IoT replaces this with a fresh presigned URL per device. */
    private static boolean presignPlaceholder(String url) {
        return url.startsWith(AfrOtaFile.PRESIGN_PLACEHOLDER)
                && url.endsWith("}")
                && httpUrl(url.substring(AfrOtaFile.PRESIGN_PLACEHOLDER.length()));
    }

    private static void requireUint32(Long value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " is required");
        }
        if (value < 0 || value > UINT32_MAX) {
            throw new IllegalArgumentException(name + " must be a uint32");
        }
    }
}
