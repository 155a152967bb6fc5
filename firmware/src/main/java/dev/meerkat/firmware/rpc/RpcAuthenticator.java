package dev.meerkat.firmware.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.fs.FileStore;
import dev.meerkat.firmware.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides, for every request that arrives over a network channel, who the caller is and whether
 * they may make the call: identity from HTTP Digest ({@code rpc.auth_domain}, {@code
 * rpc.auth_file}), from an established channel identity (WebSocket upgrade, TLS client
 * certificate), from an mg_rpc frame's {@code auth} object, or from the MQTT source map ({@code
 * rpc.mqtt_sources}); then the ACL ({@code rpc.acl_file}, {@link RpcAcl#DEFAULT} when unset) and
 * the {@link PrivilegedCalls}. An anonymous caller who is refused gets 401 (with a Digest
 * challenge), an authenticated one 403. Calls made on the device itself (the console, libraries) do
 * not pass here.
 *
 * <p>Credentials and ACL are read from the file store at each request, so a change applies at once.
 * Used on the device's main loop.
 */
public final class RpcAuthenticator {

    /** Settings taken from the configuration. */
    /**
     * @param protectedFiles files only an authenticated user may write or remove (TLS files)
     * @param secretFiles files never served by {@code FS.Get} besides the credentials (the TLS key)
     */
    public record Settings(
            String authFile,
            String aclFile,
            String mqttControlTopic,
            String mqttSources,
            List<String> protectedFiles,
            List<String> secretFiles) {}

    private final DigestAuth digest;
    private final FileStore files;
    private final Settings settings;
    private final Map<String, String> mqttUsers = new LinkedHashMap<>();
    private final PrivilegedCalls privileged;

    public RpcAuthenticator(DigestAuth digest, FileStore files, Settings settings) {
        this.digest = digest;
        this.files = files;
        this.settings = settings;
        for (String pair : settings.mqttSources().split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                mqttUsers.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
            }
        }
        List<String> security = new java.util.ArrayList<>(settings.protectedFiles());
        security.add(settings.authFile());
        security.add(settings.aclFile());
        this.privileged = new PrivilegedCalls(security);
    }

    public DigestAuth digest() {
        return digest;
    }

    /**
     * Answers one request frame arriving with {@code presented}: the dispatcher's answer, an error
     * frame (401/403), or null for a frame that is not answered (not a request, or an MQTT frame
     * from a source that is not a control source).
     */
    public ObjectNode handle(RpcDispatcher dispatcher, JsonNode frame, RpcCredential presented) {
        if (presented instanceof RpcCredential.MqttTopic t && !acceptedMqtt(t, frame)) {
            return null;
        }
        return dispatcher.handle(
                frame, (method, args) -> authorize(identify(presented, frame), method, args));
    }

    private boolean acceptedMqtt(RpcCredential.MqttTopic t, JsonNode frame) {
        return t.topic().equals(settings.mqttControlTopic())
                && mqttUsers.containsKey(frame.path("src").asText(""));
    }

    /**
     * Whether {@code presented} is valid HTTP Digest for a user of this device (WebSocket
     * upgrades).
     */
    public DigestAuth.Outcome verify(RpcCredential.HttpDigest presented) {
        return digest.verifyHeader(
                presented.httpMethod(), presented.requestUri(), presented.authorization(), users());
    }

    /**
     * The caller's user name, "" when anonymous; 401 when credentials were presented and are wrong.
     */
    private String identify(RpcCredential presented, JsonNode frame) throws RpcException {
        JsonNode auth = frame.get("auth");
        if (auth != null && auth.isObject()) {
            DigestAuth.Outcome o =
                    digest.verifyFrame(
                            text(auth, "username"),
                            text(auth, "realm"),
                            text(auth, "nonce"),
                            text(auth, "nc"),
                            text(auth, "cnonce"),
                            text(auth, "response"),
                            users());
            if (o instanceof DigestAuth.Outcome.Authenticated a) {
                return a.user();
            }
            throw unauthorized(((DigestAuth.Outcome.Refused) o).why());
        }
        if (presented instanceof RpcCredential.Established e) {
            return e.user();
        }
        if (presented instanceof RpcCredential.MqttTopic) {
            return mqttUsers.getOrDefault(frame.path("src").asText(""), "");
        }
        if (presented instanceof RpcCredential.HttpDigest h && h.authorization() != null) {
            DigestAuth.Outcome o = verify(h);
            if (o instanceof DigestAuth.Outcome.Authenticated a) {
                return a.user();
            }
            throw unauthorized(((DigestAuth.Outcome.Refused) o).why());
        }
        return "";
    }

    private void authorize(String user, String method, JsonNode args) throws RpcException {
        boolean anonymous = user.isEmpty();
        if (!acl().allows(method, user)) {
            if (anonymous) {
                throw unauthorized("authentication required for " + method);
            }
            throw new RpcException(RpcException.FORBIDDEN, user + " may not call " + method);
        }
        Optional<String> why = privileged.why(method, args);
        if (why.isPresent() && anonymous) {
            throw unauthorized("authentication required: " + method + " " + why.get());
        }
        String file = args.path("filename").asText("");
        if (method.equals("FS.Get")
                && !file.isEmpty()
                && (settings.authFile().equals(file) || settings.secretFiles().contains(file))) {
            throw new RpcException(
                    RpcException.FORBIDDEN, file + " holds credentials and is not readable");
        }
    }

    /** 401 whose message is Mongoose OS's challenge object, so frame clients can answer it. */
    private RpcException unauthorized(String why) {
        ObjectNode c = Json.object();
        c.put("auth_type", "digest");
        c.put("nonce", digest.nonce());
        c.put("nc", 1);
        c.put("realm", digest.realm());
        c.put("reason", why);
        return new RpcException(RpcException.UNAUTHORIZED, Json.write(c));
    }

    private RpcCredentials users() {
        if (settings.authFile().isEmpty()) {
            return RpcCredentials.none();
        }
        return files.read(settings.authFile())
                .map(RpcCredentials::parse)
                .orElse(RpcCredentials.none());
    }

    private RpcAcl acl() {
        if (settings.aclFile().isEmpty()) {
            return RpcAcl.DEFAULT;
        }
        Optional<byte[]> b = files.read(settings.aclFile());
        if (b.isEmpty()) {
            return RpcAcl.DEFAULT;
        }
        try {
            return RpcAcl.parse(b.get());
        } catch (IllegalArgumentException e) {
            // a broken ACL file fails closed: only admin, as without one
            return RpcAcl.DEFAULT;
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
