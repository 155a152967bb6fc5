package dev.meerkat.cloud.aws.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * JSON as AWS IoT and its device SDKs write it: absent fields are omitted (never {@code null}),
 * unknown fields are ignored (the npm v2 SDK sends {@code thingName}/{@code jobId} inside
 * payloads), numbers are plain integers.
 */
public final class JobsJson {

    private static final ObjectMapper MAPPER =
            JsonMapper.builder()
                    .serializationInclusion(JsonInclude.Include.NON_NULL)
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                    .build();

    private JobsJson() {}

    /** The shared, immutable mapper configuration (ObjectMapper is thread-safe once configured). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /**
     * Reads a request payload; an empty payload counts as {@code {}} (AWS accepts it). Throws
     * InvalidJson for anything that is not a JSON object of the expected shape.
     */
    public static <T> T read(byte[] payload, Class<T> type) {
        if (payload.length > JobsLimits.MAX_PAYLOAD) {
            throw new JobsProtocolException(
                    RejectedErrorCode.InvalidRequest,
                    "payload is larger than " + JobsLimits.MAX_PAYLOAD + " bytes");
        }
        try {
            JsonNode tree =
                    payload.length == 0 ? MAPPER.createObjectNode() : MAPPER.readTree(payload);
            if (tree == null || !tree.isObject()) {
                throw new JobsProtocolException(
                        RejectedErrorCode.InvalidJson, "payload is not a JSON object");
            }
            return MAPPER.treeToValue(tree, type);
        } catch (IOException | IllegalArgumentException e) {
            throw new JobsProtocolException(
                    RejectedErrorCode.InvalidJson,
                    "payload is not a valid "
                            + type.getSimpleName()
                            + ": "
                            + firstLine(e.getMessage()));
        }
    }

    /** The {@code clientToken} of a payload, if it has one, for echoing it in a rejection. */
    public static String clientTokenOf(byte[] payload) {
        try {
            JsonNode tree = MAPPER.readTree(payload);
            JsonNode token = tree == null ? null : tree.get("clientToken");
            return token != null
                            && token.isTextual()
                            && token.textValue().length() <= JobsLimits.MAX_CLIENT_TOKEN
                    ? token.textValue()
                    : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
