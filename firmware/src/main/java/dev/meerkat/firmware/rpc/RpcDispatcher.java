package dev.meerkat.firmware.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.config.ConfigException;
import dev.meerkat.firmware.json.Json;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Routes mg_rpc frames to handlers. A request frame is {@code
 * {"id":…,"src":…,"dst":…,"method":…,"args":{…}}}; the answer is {@code
 * {"id":…,"src":<device>,"dst":<request src>,"result":…}} or, on failure, {@code
 * {"id":…,"src":…,"dst":…,"error":{"code":…,"message":…}}}. Must be used from the device's main
 * loop only.
 */
public final class RpcDispatcher {

    private final String deviceId;
    private final Map<String, RpcHandler> handlers = new TreeMap<>();

    public RpcDispatcher(String deviceId) {
        this.deviceId = deviceId;
    }

    public void add(String method, RpcHandler handler) {
        handlers.put(method, handler);
    }

    /** Registered method names, sorted (RPC.List). */
    public List<String> methods() {
        return List.copyOf(handlers.keySet());
    }

    /** Calls {@code method}; errors come back as {@link RpcException}. */
    public JsonNode call(String method, JsonNode args) throws RpcException {
        RpcHandler h = handlers.get(method);
        if (h == null) {
            throw new RpcException(RpcException.NOT_FOUND, "No handler for " + method);
        }
        try {
            JsonNode r =
                    h.handle(
                            args == null || args.isNull() || args.isMissingNode()
                                    ? Json.object()
                                    : args);
            return r == null ? Json.object() : r;
        } catch (ConfigException | IllegalArgumentException e) {
            throw RpcException.badRequest(e.getMessage());
        }
    }

    /**
     * Handles one request frame from a trusted source (the device itself); network channels go
     * through {@link RpcAuthenticator}, which uses {@link #handle(JsonNode, Guard)}.
     *
     * @return the response frame, or null for a frame that must not be answered (no id and no
     *     method, i.e. not a request)
     */
    public ObjectNode handle(JsonNode frame) {
        return handle(frame, (method, args) -> {});
    }

    /** Checks a call before its handler runs; throws the error to answer instead. */
    @FunctionalInterface
    public interface Guard {
        void check(String method, JsonNode args) throws RpcException;
    }

    /**
     * Handles one request frame after {@code guard} allowed it (unknown methods are checked too, so
     * that an anonymous caller cannot list what exists by probing).
     *
     * @return the response frame, or null for a frame that must not be answered
     */
    public ObjectNode handle(JsonNode frame, Guard guard) {
        ObjectNode resp = Json.object();
        if (frame.has("id")) {
            resp.set("id", frame.get("id"));
        }
        resp.put("src", deviceId);
        if (frame.hasNonNull("src")) {
            resp.set("dst", frame.get("src"));
        }
        if (frame.hasNonNull("tag")) {
            resp.set("tag", frame.get("tag"));
        }
        String method = frame.path("method").asText("");
        if (method.isEmpty()) {
            if (!frame.has("id")) {
                return null;
            }
            return error(resp, RpcException.BAD_REQUEST, "no method in request frame");
        }
        if (frame.hasNonNull("dst") && !frame.get("dst").asText().equals(deviceId)) {
            return error(
                    resp, RpcException.BAD_REQUEST, "frame is for " + frame.get("dst").asText());
        }
        try {
            JsonNode args = frame.get("args");
            guard.check(method, args == null || !args.isObject() ? Json.object() : args);
            resp.set("result", call(method, args));
            return resp;
        } catch (RpcException e) {
            return error(resp, e.code(), e.getMessage());
        }
    }

    private static ObjectNode error(ObjectNode resp, int code, String message) {
        ObjectNode err = resp.putObject("error");
        err.put("code", code);
        err.put("message", message);
        return resp;
    }
}
