package dev.meerkat.fleet.gcp;

/**
 * A device registry. Enum fields hold their proto numbers ({@code MqttState}, {@code HttpState},
 * {@code LogLevel}); the Pub/Sub notification settings are kept as the JSON the client sent, since
 * this service publishes nothing to Pub/Sub.
 */
public record Registry(
        RegistryName name, int mqttState, int httpState, int logLevel, String notificationsJson) {
    public static final int MQTT_ENABLED = 1;
    public static final int MQTT_DISABLED = 2;
    public static final int HTTP_ENABLED = 1;

    public boolean mqttEnabled() {
        return mqttState != MQTT_DISABLED;
    }
}
