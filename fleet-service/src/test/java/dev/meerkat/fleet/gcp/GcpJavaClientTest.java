package dev.meerkat.fleet.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.rpc.InvalidArgumentException;
import com.google.api.gax.rpc.NotFoundException;
import com.google.api.gax.rpc.PermissionDeniedException;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.iot.v1.Device;
import com.google.cloud.iot.v1.DeviceConfig;
import com.google.cloud.iot.v1.DeviceCredential;
import com.google.cloud.iot.v1.DeviceManagerClient;
import com.google.cloud.iot.v1.DeviceManagerSettings;
import com.google.cloud.iot.v1.DeviceName;
import com.google.cloud.iot.v1.DeviceRegistry;
import com.google.cloud.iot.v1.LocationName;
import com.google.cloud.iot.v1.MqttConfig;
import com.google.cloud.iot.v1.MqttState;
import com.google.cloud.iot.v1.PublicKeyCredential;
import com.google.cloud.iot.v1.PublicKeyFormat;
import com.google.cloud.iot.v1.RegistryName;
import com.google.protobuf.ByteString;
import com.google.protobuf.FieldMask;
import dev.meerkat.fleet.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Google's own Java client (google-cloud-iot, HTTP/JSON transport, unmodified) drives the device
 * manager.
 */
@QuarkusTest
@TestProfile(GcpProfile.class)
class GcpJavaClientTest {
    private DeviceManagerClient operator;

    @BeforeEach
    void connect() throws IOException {
        operator = client(TestTokens.token("gcp-operator", "operator"));
    }

    @AfterEach
    void close() {
        operator.close();
    }

    static DeviceManagerClient client(String bearer) throws IOException {
        GoogleCredentials credentials =
                GoogleCredentials.create(
                        new AccessToken(bearer, new Date(System.currentTimeMillis() + 3_600_000)));
        return DeviceManagerClient.create(
                DeviceManagerSettings.newHttpJsonBuilder()
                        .setEndpoint("http://127.0.0.1:" + RestAssured.port)
                        .setCredentialsProvider(FixedCredentialsProvider.create(credentials))
                        .build());
    }

    @Test
    void registryDevicesConfigsAndStatesThroughGooglesClient() {
        LocationName location = LocationName.of("meerkat-test", "us-central1");
        DeviceRegistry created =
                operator.createDeviceRegistry(
                        location,
                        DeviceRegistry.newBuilder()
                                .setId("java-fleet")
                                .setMqttConfig(
                                        MqttConfig.newBuilder()
                                                .setMqttEnabledState(MqttState.MQTT_ENABLED))
                                .build());
        assertThat(created.getName())
                .isEqualTo("projects/meerkat-test/locations/us-central1/registries/java-fleet");
        assertThat(created.getMqttConfig().getMqttEnabledState()).isEqualTo(MqttState.MQTT_ENABLED);

        RegistryName registry = RegistryName.of("meerkat-test", "us-central1", "java-fleet");
        for (String id : List.of("dev-1", "dev-2")) {
            Device d =
                    operator.createDevice(
                            registry,
                            Device.newBuilder()
                                    .setId(id)
                                    .addCredentials(
                                            DeviceCredential.newBuilder()
                                                    .setPublicKey(
                                                            PublicKeyCredential.newBuilder()
                                                                    .setFormat(
                                                                            PublicKeyFormat
                                                                                    .ES256_PEM)
                                                                    .setKey(
                                                                            GcpKeys.publicPem(
                                                                                    GcpKeys.ec()))))
                                    .putMetadata("site", "hall-7")
                                    .build());
            assertThat(d.getNumId()).isPositive();
            assertThat(d.getCredentials(0).getPublicKey().getFormat())
                    .isEqualTo(PublicKeyFormat.ES256_PEM);
            assertThat(d.getConfig().getVersion()).isEqualTo(1);
        }
        assertThat(operator.listDevices(registry).iterateAll())
                .extracting(Device::getId)
                .containsExactly("dev-1", "dev-2");
        assertThat(operator.listDeviceRegistries(location).iterateAll())
                .extracting(DeviceRegistry::getId)
                .contains("java-fleet");

        DeviceName dev1 = DeviceName.of("meerkat-test", "us-central1", "java-fleet", "dev-1");
        ByteString v2 = ByteString.copyFrom("{\"firmware\":\"2.0.0\"}", StandardCharsets.UTF_8);
        DeviceConfig cfg = operator.modifyCloudToDeviceConfig(dev1, v2);
        assertThat(cfg.getVersion()).isEqualTo(2);
        assertThat(cfg.getBinaryData()).isEqualTo(v2);
        assertThat(cfg.getCloudUpdateTime().getSeconds()).isPositive();

        // versionToUpdate is an optimistic lock: a stale version is refused (FAILED_PRECONDITION,
        // HTTP 400,
        // which the HTTP/JSON transport surfaces by status code as InvalidArgumentException) and
        // changes nothing.
        assertThatThrownBy(
                        () ->
                                operator.modifyCloudToDeviceConfig(
                                        com.google.cloud.iot.v1.ModifyCloudToDeviceConfigRequest
                                                .newBuilder()
                                                .setName(dev1.toString())
                                                .setVersionToUpdate(1)
                                                .setBinaryData(ByteString.copyFromUtf8("stale"))
                                                .build()))
                .isInstanceOf(InvalidArgumentException.class);
        DeviceConfig v3 =
                operator.modifyCloudToDeviceConfig(
                        com.google.cloud.iot.v1.ModifyCloudToDeviceConfigRequest.newBuilder()
                                .setName(dev1.toString())
                                .setVersionToUpdate(2)
                                .setBinaryData(ByteString.copyFromUtf8("{\"firmware\":\"3.0.0\"}"))
                                .build());
        assertThat(v3.getVersion()).isEqualTo(3);

        assertThat(operator.listDeviceConfigVersions(dev1).getDeviceConfigsList())
                .extracting(DeviceConfig::getVersion)
                .containsExactly(3L, 2L, 1L);
        assertThat(operator.listDeviceStates(dev1).getDeviceStatesList()).isEmpty();

        Device fetched = operator.getDevice(dev1);
        assertThat(fetched.getConfig().getVersion()).isEqualTo(3);
        assertThat(fetched.getMetadataMap()).containsEntry("site", "hall-7");

        Device blocked =
                operator.updateDevice(
                        fetched.toBuilder().setBlocked(true).build(),
                        FieldMask.newBuilder().addPaths("blocked").build());
        assertThat(blocked.getBlocked()).isTrue();
        assertThat(blocked.getMetadataMap()).containsEntry("site", "hall-7");

        // No MQTT connection, so a command cannot be delivered.
        assertThatThrownBy(
                        () ->
                                operator.sendCommandToDevice(
                                        DeviceName.of(
                                                "meerkat-test",
                                                "us-central1",
                                                "java-fleet",
                                                "dev-2"),
                                        ByteString.copyFromUtf8("reboot")))
                .isInstanceOf(InvalidArgumentException.class);

        operator.deleteDevice(DeviceName.of("meerkat-test", "us-central1", "java-fleet", "dev-2"));
        assertThatThrownBy(
                        () ->
                                operator.getDevice(
                                        DeviceName.of(
                                                "meerkat-test",
                                                "us-central1",
                                                "java-fleet",
                                                "dev-2")))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void aViewerReadsButMayNotWrite() throws IOException {
        LocationName location = LocationName.of("meerkat-test", "europe-west1");
        operator.createDeviceRegistry(
                location, DeviceRegistry.newBuilder().setId("viewer-fleet").build());
        try (DeviceManagerClient viewer = client(TestTokens.token("gcp-viewer", "viewer"))) {
            assertThat(
                            viewer.getDeviceRegistry(
                                            RegistryName.of(
                                                    "meerkat-test", "europe-west1", "viewer-fleet"))
                                    .getId())
                    .isEqualTo("viewer-fleet");
            assertThatThrownBy(
                            () ->
                                    viewer.createDeviceRegistry(
                                            location,
                                            DeviceRegistry.newBuilder().setId("nope").build()))
                    .isInstanceOf(PermissionDeniedException.class);
        }
    }
}
