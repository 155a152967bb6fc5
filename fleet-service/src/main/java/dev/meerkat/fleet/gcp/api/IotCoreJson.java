package dev.meerkat.fleet.gcp.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.fleet.gcp.DeviceConfig;
import dev.meerkat.fleet.gcp.DeviceCredential;
import dev.meerkat.fleet.gcp.DeviceState;
import dev.meerkat.fleet.gcp.IotCoreException;
import dev.meerkat.fleet.gcp.IotDevice;
import dev.meerkat.fleet.gcp.PublicKeyFormat;
import dev.meerkat.fleet.gcp.Registry;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * proto3 JSON for the IoT Core resources: camelCase names, int64 as strings, bytes as base64,
 * timestamps as RFC 3339, default values omitted; enums as numbers or names ({@link ProtoEnum}).
 */
final class IotCoreJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final int MAX_METADATA_ENTRIES = 500;
    private static final int MAX_METADATA_BYTES = 256 * 1024;

    /** The proto's "no expiry" timestamp. */
    private static final Instant EPOCH = Instant.EPOCH;

    private final boolean intEnums;

    IotCoreJson(boolean intEnums) {
        this.intEnums = intEnums;
    }

    /**
     * {@code $alt=json;enum-encoding=int} is how Google's REST transports ask for numeric enums.
     */
    static IotCoreJson forAlt(String alt) {
        return new IotCoreJson(alt != null && alt.contains("enum-encoding=int"));
    }

    // ---- rendering

    ObjectNode registry(Registry r) {
        ObjectNode o = F.objectNode();
        o.put("id", r.name().registry());
        o.put("name", r.name().toString());
        JsonNode notifications = parseStored(r.notificationsJson());
        if (notifications.has("eventNotificationConfigs")) {
            o.set("eventNotificationConfigs", notifications.get("eventNotificationConfigs"));
        }
        if (notifications.has("stateNotificationConfig")) {
            o.set("stateNotificationConfig", notifications.get("stateNotificationConfig"));
        }
        o.putObject("mqttConfig")
                .set("mqttEnabledState", ProtoEnum.MQTT_STATE.render(r.mqttState(), intEnums));
        o.putObject("httpConfig")
                .set("httpEnabledState", ProtoEnum.HTTP_STATE.render(r.httpState(), intEnums));
        if (r.logLevel() != 0)
            o.set("logLevel", ProtoEnum.LOG_LEVEL.render(r.logLevel(), intEnums));
        return o;
    }

    ObjectNode device(IotDevice d, DeviceConfig config, DeviceState state) {
        ObjectNode o = F.objectNode();
        o.put("id", d.name().device());
        o.put("name", d.name().toString());
        o.put("numId", Long.toUnsignedString(d.numId()));
        if (!d.credentials().isEmpty()) {
            ArrayNode creds = o.putArray("credentials");
            for (DeviceCredential c : d.credentials()) {
                ObjectNode cred = creds.addObject();
                ObjectNode key = cred.putObject("publicKey");
                key.set("format", ProtoEnum.KEY_FORMAT.render(c.format().number(), intEnums));
                key.put("key", c.pem());
                cred.put("expirationTime", c.expiration().orElse(EPOCH).toString());
            }
        }
        time(o, "lastHeartbeatTime", d.lastHeartbeatTime());
        time(o, "lastEventTime", d.lastEventTime());
        time(o, "lastStateTime", d.lastStateTime());
        time(o, "lastConfigAckTime", d.lastConfigAckTime());
        time(o, "lastConfigSendTime", d.lastConfigSendTime());
        if (d.blocked()) o.put("blocked", true);
        if (config != null) o.set("config", config(config));
        if (state != null) o.set("state", state(state));
        if (d.logLevel() != 0)
            o.set("logLevel", ProtoEnum.LOG_LEVEL.render(d.logLevel(), intEnums));
        if (!d.metadata().isEmpty()) {
            ObjectNode m = o.putObject("metadata");
            d.metadata().forEach(m::put);
        }
        ObjectNode gw = o.putObject("gatewayConfig");
        if (d.gatewayType() != 0)
            gw.set("gatewayType", ProtoEnum.GATEWAY_TYPE.render(d.gatewayType(), intEnums));
        if (d.gatewayAuthMethod() != 0) {
            gw.set(
                    "gatewayAuthMethod",
                    ProtoEnum.GATEWAY_AUTH.render(d.gatewayAuthMethod(), intEnums));
        }
        return o;
    }

    ObjectNode config(DeviceConfig c) {
        ObjectNode o = F.objectNode();
        o.put("version", Long.toString(c.version()));
        time(o, "cloudUpdateTime", c.cloudUpdateTime());
        time(o, "deviceAckTime", c.deviceAckTime());
        if (c.binaryData().length > 0)
            o.put("binaryData", Base64.getEncoder().encodeToString(c.binaryData()));
        return o;
    }

    ObjectNode state(DeviceState s) {
        ObjectNode o = F.objectNode();
        time(o, "updateTime", s.updateTime());
        if (s.binaryData().length > 0)
            o.put("binaryData", Base64.getEncoder().encodeToString(s.binaryData()));
        return o;
    }

    private static void time(ObjectNode o, String field, Instant t) {
        if (t != null) o.put(field, t.toString());
    }

    // ---- parsing

    static ObjectNode object(JsonNode body, String what) {
        if (body == null || !body.isObject())
            throw IotCoreException.invalid("the request body must be a JSON " + what);
        return (ObjectNode) body;
    }

    static int mqttState(JsonNode registry) {
        return ProtoEnum.MQTT_STATE.parse(registry.path("mqttConfig").get("mqttEnabledState"));
    }

    static int httpState(JsonNode registry) {
        return ProtoEnum.HTTP_STATE.parse(registry.path("httpConfig").get("httpEnabledState"));
    }

    static int logLevel(JsonNode resource) {
        return ProtoEnum.LOG_LEVEL.parse(resource.get("logLevel"));
    }

    static int gatewayType(JsonNode device) {
        return ProtoEnum.GATEWAY_TYPE.parse(device.path("gatewayConfig").get("gatewayType"));
    }

    static int gatewayAuth(JsonNode device) {
        return ProtoEnum.GATEWAY_AUTH.parse(device.path("gatewayConfig").get("gatewayAuthMethod"));
    }

    /** Pub/Sub notification settings, kept verbatim after checking their shape (strings only). */
    static String notifications(JsonNode registry) {
        ObjectNode kept = F.objectNode();
        JsonNode events = registry.get("eventNotificationConfigs");
        if (events != null && !events.isNull()) {
            if (!events.isArray() || events.size() > 10) {
                throw IotCoreException.invalid(
                        "eventNotificationConfigs must be a list of at most 10");
            }
            ArrayNode out = kept.putArray("eventNotificationConfigs");
            for (JsonNode e : events)
                out.add(
                        stringFields(
                                e,
                                "eventNotificationConfigs",
                                "subfolderMatches",
                                "pubsubTopicName"));
        }
        JsonNode state = registry.get("stateNotificationConfig");
        if (state != null && !state.isNull()) {
            kept.set(
                    "stateNotificationConfig",
                    stringFields(state, "stateNotificationConfig", "pubsubTopicName"));
        }
        if (registry.has("credentials") && registry.get("credentials").size() > 0) {
            throw IotCoreException.invalid(
                    "registry credentials (CA certificates) are not supported");
        }
        return kept.toString();
    }

    private static ObjectNode stringFields(JsonNode n, String what, String... fields) {
        if (!n.isObject()) throw IotCoreException.invalid(what + " must be an object");
        ObjectNode out = F.objectNode();
        for (String f : fields) {
            JsonNode v = n.get(f);
            if (v == null || v.isNull()) continue;
            if (!v.isTextual() || v.asText().length() > 512)
                throw IotCoreException.invalid(what + "." + f + " must be a short string");
            out.put(f, v.asText());
        }
        return out;
    }

    static List<DeviceCredential> credentials(JsonNode device) {
        JsonNode creds = device.get("credentials");
        List<DeviceCredential> out = new ArrayList<>();
        if (creds == null || creds.isNull()) return out;
        if (!creds.isArray()) throw IotCoreException.invalid("credentials must be a list");
        if (creds.size() > DeviceCredential.MAX_PER_DEVICE) {
            throw IotCoreException.invalid(
                    "a device has at most " + DeviceCredential.MAX_PER_DEVICE + " credentials");
        }
        for (JsonNode c : creds) {
            JsonNode key = c.path("publicKey");
            int number = ProtoEnum.KEY_FORMAT.parse(key.get("format"));
            PublicKeyFormat format = PublicKeyFormat.of(Integer.toString(number));
            out.add(
                    DeviceCredential.of(
                            format,
                            key.path("key").asText(null),
                            expiration(c.get("expirationTime"))));
        }
        return out;
    }

    private static Optional<Instant> expiration(JsonNode t) {
        if (t == null || t.isNull()) return Optional.empty();
        try {
            Instant at = Instant.parse(t.asText());
            return at.equals(EPOCH) ? Optional.empty() : Optional.of(at);
        } catch (DateTimeParseException e) {
            throw IotCoreException.invalid(
                    "credentials.expirationTime is not an RFC 3339 timestamp: " + t.asText());
        }
    }

    static Map<String, String> metadata(JsonNode device) {
        JsonNode m = device.get("metadata");
        Map<String, String> out = new LinkedHashMap<>();
        if (m == null || m.isNull()) return out;
        if (!m.isObject()) throw IotCoreException.invalid("metadata must be an object of strings");
        int bytes = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().matches("[a-zA-Z0-9-_]{1,128}") || !e.getValue().isTextual()) {
                throw IotCoreException.invalid(
                        "metadata key '"
                                + e.getKey()
                                + "' must be 1 to 128 letters, digits, - or _, with a string value");
            }
            bytes += e.getKey().length() + e.getValue().asText().length();
            out.put(e.getKey(), e.getValue().asText());
        }
        if (out.size() > MAX_METADATA_ENTRIES || bytes > MAX_METADATA_BYTES) {
            throw IotCoreException.invalid(
                    "metadata holds at most " + MAX_METADATA_ENTRIES + " entries and 256 KiB");
        }
        return out;
    }

    static byte[] bytes(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return new byte[0];
        try {
            return Base64.getDecoder().decode(v.asText().replace('-', '+').replace('_', '/'));
        } catch (IllegalArgumentException e) {
            throw IotCoreException.invalid(field + " is not base64");
        }
    }

    static long int64(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return 0;
        try {
            return v.isIntegralNumber() ? v.asLong() : Long.parseLong(v.asText());
        } catch (NumberFormatException e) {
            throw IotCoreException.invalid(field + " is not an integer: " + v.asText());
        }
    }

    private static JsonNode parseStored(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
