package dev.meerkat.fleet.gcp.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.meerkat.fleet.gcp.IotCoreException;
import java.util.Map;

/**
 * One proto enum of the IoT Core API as a table of names and numbers. proto3 JSON accepts either on
 * input; output uses numbers when the client asked for {@code enum-encoding=int}, names otherwise.
 */
public record ProtoEnum(String field, Map<String, Integer> numbers) {
    static final ProtoEnum MQTT_STATE =
            new ProtoEnum(
                    "mqttEnabledState",
                    Map.of("MQTT_STATE_UNSPECIFIED", 0, "MQTT_ENABLED", 1, "MQTT_DISABLED", 2));
    static final ProtoEnum HTTP_STATE =
            new ProtoEnum(
                    "httpEnabledState",
                    Map.of("HTTP_STATE_UNSPECIFIED", 0, "HTTP_ENABLED", 1, "HTTP_DISABLED", 2));
    static final ProtoEnum LOG_LEVEL =
            new ProtoEnum(
                    "logLevel",
                    Map.of(
                            "LOG_LEVEL_UNSPECIFIED",
                            0,
                            "NONE",
                            10,
                            "ERROR",
                            20,
                            "INFO",
                            30,
                            "DEBUG",
                            40));
    static final ProtoEnum GATEWAY_TYPE =
            new ProtoEnum(
                    "gatewayType",
                    Map.of("GATEWAY_TYPE_UNSPECIFIED", 0, "GATEWAY", 1, "NON_GATEWAY", 2));
    static final ProtoEnum GATEWAY_AUTH =
            new ProtoEnum(
                    "gatewayAuthMethod",
                    Map.of(
                            "GATEWAY_AUTH_METHOD_UNSPECIFIED",
                            0,
                            "ASSOCIATION_ONLY",
                            1,
                            "DEVICE_AUTH_TOKEN_ONLY",
                            2,
                            "ASSOCIATION_AND_DEVICE_AUTH_TOKEN",
                            3));
    static final ProtoEnum KEY_FORMAT =
            new ProtoEnum(
                    "format",
                    Map.of(
                            "UNSPECIFIED_PUBLIC_KEY_FORMAT",
                            0,
                            "RSA_X509_PEM",
                            1,
                            "ES256_PEM",
                            2,
                            "RSA_PEM",
                            3,
                            "ES256_X509_PEM",
                            4));

    public ProtoEnum {
        numbers = Map.copyOf(numbers);
    }

    /** The number of a JSON value (absent means 0); refuses what the enum does not define. */
    int parse(JsonNode value) {
        if (value == null || value.isNull()) return 0;
        if (value.isIntegralNumber() && numbers.containsValue(value.asInt())) return value.asInt();
        if (value.isTextual() && numbers.containsKey(value.asText()))
            return numbers.get(value.asText());
        throw IotCoreException.invalid("invalid value for " + field + ": " + value);
    }

    JsonNode render(int number, boolean asInt) {
        if (asInt) return IntNode.valueOf(number);
        return numbers.entrySet().stream()
                .filter(e -> e.getValue() == number)
                .findFirst()
                .<JsonNode>map(e -> TextNode.valueOf(e.getKey()))
                .orElse(IntNode.valueOf(number));
    }
}
