package dev.meerkat.cli.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;

/**
 * RPC as whole mg_rpc frames over a {@link FrameChannel}, authenticated as Mongoose OS frames are:
 * the device's 401 error frame carries a Digest challenge ({@code auth_type}, {@code realm}, {@code
 * nonce}); the request is sent again with an {@code auth} object (RFC 7616 MD5 response over {@code
 * dummy_method:dummy_uri}), and later requests reuse the nonce with a higher {@code nc} until it
 * goes stale. With credentials, the first frame carries only the user name, so the device
 * challenges even a call its MQTT source alone would allow.
 */
final class FrameRpcLink implements RpcLink {

    private final FrameChannel channel;
    private final DeviceCredentials credentials;
    private final Duration timeout;
    private long nextId = new SecureRandom().nextInt(1 << 20) + 1L;
    private DigestChallenge challenge;

    FrameRpcLink(FrameChannel channel, DeviceCredentials credentials, Duration timeout) {
        this.channel = channel;
        this.credentials = credentials;
        this.timeout = timeout;
    }

    @Override
    public JsonNode call(String method, JsonNode args) {
        ObjectNode resp = exchange(method, args);
        for (int attempt = 0;
                attempt < 2
                        && credentials.present()
                        && resp.path("error").path("code").asInt() == 401;
                attempt++) {
            JsonNode c = challengeOf(resp.path("error").path("message").asText(""));
            String reason = c == null ? "" : c.path("reason").asText("");
            if (c == null
                    || (attempt > 0
                            && !reason.contains("stale")
                            && !reason.contains("unknown nonce"))) {
                break;
            }
            challenge =
                    DigestChallenge.fromFrame(c.path("realm").asText(), c.path("nonce").asText());
            resp = exchange(method, args);
        }
        if (resp.has("error")) {
            throw DeviceError.of(method, resp.get("error"));
        }
        JsonNode result = resp.get("result");
        return result == null || result.isNull() ? null : result;
    }

    private ObjectNode exchange(String method, JsonNode args) {
        ObjectNode frame = Json.object();
        frame.put("id", nextId++);
        if (!channel.source().isEmpty()) {
            frame.put("src", channel.source());
        }
        frame.put("method", method);
        if (args != null) {
            frame.set("args", args);
        }
        if (credentials.present()) {
            ObjectNode auth = frame.putObject("auth");
            if (challenge == null) {
                // only the user: the device answers 401 with a nonce, and the password is always
                // checked
                // (without it, a control source's own user would let the call through unchecked)
                auth.put("username", credentials.user());
            } else {
                for (Map.Entry<String, String> e : challenge.frameAuth(credentials).entrySet()) {
                    auth.put(e.getKey(), e.getValue());
                }
            }
        }
        return channel.exchange(frame, timeout);
    }

    private static JsonNode challengeOf(String message) {
        try {
            JsonNode c = Json.parse(message.getBytes(StandardCharsets.UTF_8));
            return c.path("auth_type").asText().equals("digest") && c.hasNonNull("nonce")
                    ? c
                    : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public String describe() {
        return channel.describe();
    }

    @Override
    public void close() {
        channel.close();
    }
}
