package dev.meerkat.cloud.gcp;

import com.google.api.gax.rpc.AlreadyExistsException;
import com.google.api.gax.rpc.NotFoundException;
import com.google.cloud.iot.v1.Device;
import com.google.cloud.iot.v1.DeviceManagerClient;
import com.google.cloud.iot.v1.DeviceName;
import com.google.cloud.iot.v1.DeviceRegistry;
import com.google.cloud.iot.v1.LocationName;
import com.google.cloud.iot.v1.MqttConfig;
import com.google.cloud.iot.v1.MqttState;
import com.google.cloud.iot.v1.PublicKeyFormat;
import com.google.cloud.iot.v1.RegistryName;
import java.util.Map;
import java.util.Objects;

/**
 * Creates registries and devices so that running it again changes nothing: a device that already
 * exists with the chip's key is left as it is; one that exists with another key is refused.
 */
public final class IotCoreRegistrar {

    /** What {@link #register} did. */
    public enum Outcome {
        CREATED,
        ALREADY_REGISTERED
    }

    /** The registry holds a device of that id whose credentials do not include the chip's key. */
    public static final class KeyMismatch extends IllegalStateException {
        public KeyMismatch(DeviceName device) {
            super(
                    device
                            + " is already registered with another key (delete it or use another"
                            + " device id)");
        }
    }

    private final DeviceManagerClient client;

    public IotCoreRegistrar(DeviceManagerClient client) {
        this.client = Objects.requireNonNull(client);
    }

    /** True if the registry was created, false if it existed. MQTT on, HTTP device bridge off. */
    public boolean ensureRegistry(RegistryName registry) {
        try {
            client.getDeviceRegistry(registry);
            return false;
        } catch (NotFoundException e) {
            try {
                client.createDeviceRegistry(
                        LocationName.of(registry.getProject(), registry.getLocation()),
                        DeviceRegistry.newBuilder()
                                .setId(registry.getRegistry())
                                .setMqttConfig(
                                        MqttConfig.newBuilder()
                                                .setMqttEnabledState(MqttState.MQTT_ENABLED))
                                .build());
                return true;
            } catch (AlreadyExistsException raced) {
                return false;
            }
        }
    }

    /** Registers {@code deviceId} with the chip's key in {@code format}, unless it is there. */
    public Outcome register(
            RegistryName registry,
            String deviceId,
            ChipKey key,
            PublicKeyFormat format,
            Map<String, String> metadata) {
        DeviceName name =
                DeviceName.of(
                        registry.getProject(),
                        registry.getLocation(),
                        registry.getRegistry(),
                        deviceId);
        try {
            return check(name, client.getDevice(name), key);
        } catch (NotFoundException absent) {
            try {
                client.createDevice(
                        registry,
                        Device.newBuilder()
                                .setId(deviceId)
                                .addCredentials(key.credential(format))
                                .putAllMetadata(metadata)
                                .build());
                return Outcome.CREATED;
            } catch (AlreadyExistsException raced) {
                return check(name, client.getDevice(name), key);
            }
        }
    }

    private static Outcome check(DeviceName name, Device existing, ChipKey key) {
        if (existing.getCredentialsList().stream().anyMatch(key::matches)) {
            return Outcome.ALREADY_REGISTERED;
        }
        throw new KeyMismatch(name);
    }
}
