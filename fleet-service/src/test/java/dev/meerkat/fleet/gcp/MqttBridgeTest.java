package dev.meerkat.fleet.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.iot.v1.Device;
import com.google.cloud.iot.v1.DeviceCredential;
import com.google.cloud.iot.v1.DeviceManagerClient;
import com.google.cloud.iot.v1.DeviceRegistry;
import com.google.cloud.iot.v1.DeviceState;
import com.google.cloud.iot.v1.LocationName;
import com.google.cloud.iot.v1.PublicKeyCredential;
import com.google.cloud.iot.v1.PublicKeyFormat;
import com.google.cloud.iot.v1.RegistryName;
import com.google.protobuf.ByteString;
import com.google.protobuf.FieldMask;
import dev.meerkat.fleet.TestTokens;
import dev.meerkat.fleet.gcp.bridge.MqttBridge;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.MqttSecurityException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Devices on the IoT Core MQTT bridge, as an unmodified MQTT client (Eclipse Paho) connects to it
 * with JWTs made by a standard JOSE library (jose4j); the operator side is Google's own client.
 */
@QuarkusTest
@TestProfile(GcpBridgeProfile.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MqttBridgeTest {
    private static final String PROJECT = "bridge-project";
    private static final RegistryName REGISTRY =
            RegistryName.of(PROJECT, "europe-west1", "bridge-fleet");
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject MqttBridge bridge;

    private DeviceManagerClient operator;
    private boolean registryCreated;
    private final KeyPair key1 = GcpKeys.ec();
    private final KeyPair key2 = GcpKeys.ec();

    @BeforeEach
    void registry() throws Exception {
        operator = GcpJavaClientTest.client(TestTokens.token("bridge-operator", "operator"));
        if (registryCreated) return;
        registryCreated = true;
        operator.createDeviceRegistry(
                LocationName.of(PROJECT, "europe-west1"),
                DeviceRegistry.newBuilder().setId("bridge-fleet").build());
        device("dev-1", key1);
        device("dev-2", key2);
    }

    @AfterEach
    void close() {
        operator.close();
    }

    private void device(String id, KeyPair key) {
        operator.createDevice(
                REGISTRY,
                Device.newBuilder()
                        .setId(id)
                        .addCredentials(
                                DeviceCredential.newBuilder()
                                        .setPublicKey(
                                                PublicKeyCredential.newBuilder()
                                                        .setFormat(PublicKeyFormat.ES256_PEM)
                                                        .setKey(GcpKeys.publicPem(key))))
                        .build());
    }

    private static com.google.cloud.iot.v1.DeviceName name(String id) {
        return com.google.cloud.iot.v1.DeviceName.of(PROJECT, "europe-west1", "bridge-fleet", id);
    }

    static String jwt(KeyPair key, String aud, Instant iat, Instant exp) throws Exception {
        JwtClaims claims = new JwtClaims();
        claims.setAudience(aud);
        claims.setIssuedAt(NumericDate.fromSeconds(iat.getEpochSecond()));
        claims.setExpirationTime(NumericDate.fromSeconds(exp.getEpochSecond()));
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivate());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256);
        return jws.getCompactSerialization();
    }

    record Received(String topic, MqttMessage message) {
        String text() {
            return new String(message.getPayload(), StandardCharsets.UTF_8);
        }
    }

    /** A connected device as a Google sample connects: client id = full name, JWT as password. */
    private final class MqttDevice implements MqttCallback, AutoCloseable {
        final MqttClient client;
        final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
        final CountDownLatch lost = new CountDownLatch(1);

        MqttDevice(String clientId, String password) throws MqttException {
            this("tcp://127.0.0.1:" + bridge.port().orElseThrow(), null, clientId, password);
        }

        MqttDevice(String server, SSLSocketFactory tls, String clientId, String password)
                throws MqttException {
            client = new MqttClient(server, clientId, new MemoryPersistence());
            client.setCallback(this);
            client.setTimeToWait(WAIT.toMillis());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setUserName("unused");
            o.setPassword(password.toCharArray());
            o.setCleanSession(true);
            o.setConnectionTimeout(60);
            o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            if (tls != null) o.setSocketFactory(tls);
            client.connect(o);
        }

        Received next() throws InterruptedException {
            Received m = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(m).as("a message within %s", WAIT).isNotNull();
            return m;
        }

        @Override
        public void connectionLost(Throwable cause) {
            lost.countDown();
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            received.add(new Received(topic, message));
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {}

        @Override
        public void close() throws MqttException {
            if (client.isConnected()) client.disconnect();
            client.close();
        }
    }

    private MqttDevice connect(String id, KeyPair key) throws Exception {
        Instant now = Instant.now();
        return new MqttDevice(name(id).toString(), jwt(key, PROJECT, now, now.plusSeconds(3600)));
    }

    @Test
    void configOnSubscribeAndOnChangeCommandsAndStates() throws Exception {
        try (MqttDevice d = connect("dev-1", key1)) {
            d.client.subscribe("/devices/dev-1/config", 1);
            // Version 1 is empty, and a device receives the latest config when it subscribes.
            Received v1 = d.next();
            assertThat(v1.topic()).isEqualTo("/devices/dev-1/config");
            assertThat(v1.text()).isEmpty();

            operator.modifyCloudToDeviceConfig(name("dev-1"), ByteString.copyFromUtf8("v2"));
            Received v2 = d.next();
            assertThat(v2.text()).isEqualTo("v2");
            assertThat(v2.message().getQos()).isEqualTo(1);

            d.client.subscribe("/devices/dev-1/commands/#", 1);
            operator.sendCommandToDevice(
                    com.google.cloud.iot.v1.SendCommandToDeviceRequest.newBuilder()
                            .setName(name("dev-1").toString())
                            .setBinaryData(ByteString.copyFromUtf8("reboot now"))
                            .setSubfolder("maintenance")
                            .build());
            Received command = d.next();
            assertThat(command.topic()).isEqualTo("/devices/dev-1/commands/maintenance");
            assertThat(command.text()).isEqualTo("reboot now");

            d.client.publish("/devices/dev-1/state", "running v2".getBytes(), 1, false);
            d.client.publish("/devices/dev-1/events/telemetry", "t=21".getBytes(), 1, false);
            assertThat(eventually(() -> states("dev-1").contains("running v2"))).isTrue();
            // The state and the event are separate messages, handled independently.
            assertThat(
                            eventually(
                                    () ->
                                            operator.getDevice(name("dev-1"))
                                                            .getLastEventTime()
                                                            .getSeconds()
                                                    > 0))
                    .as("the telemetry event is recorded")
                    .isTrue();

            // Another device's config is not readable.
            int[] granted =
                    d.client
                            .subscribeWithResponse(new String[] {"/devices/dev-2/config"})
                            .getGrantedQos();
            assertThat(granted).containsExactly(128);
        }
        // Another device's state is not writable: the broker drops the message (QoS 0, so the
        // client waits for no acknowledgement); the next own report shows it was processed.
        try (MqttDevice d = connect("dev-1", key1)) {
            d.client.publish("/devices/dev-2/state", "forged".getBytes(), 0, false);
            d.client.publish("/devices/dev-1/state", "after forgery".getBytes(), 1, false);
            assertThat(eventually(() -> states("dev-1").contains("after forgery"))).isTrue();
        }
        assertThat(states("dev-2")).doesNotContain("forged");
    }

    @Test
    void tlsListenerAuthenticatesTheSameWay() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(GcpBridgeProfile.TLS_DIR.resolve("bridge.pem"))) {
            trust.setCertificateEntry(
                    "bridge", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(null, tmf.getTrustManagers(), null);
        String server = "ssl://127.0.0.1:" + bridge.tlsPort().orElseThrow();
        Instant now = Instant.now();
        try (MqttDevice d =
                new MqttDevice(
                        server,
                        ctx.getSocketFactory(),
                        name("dev-1").toString(),
                        jwt(key1, PROJECT, now, now.plusSeconds(600)))) {
            d.client.subscribe("/devices/dev-1/config", 1);
            assertThat(d.next().topic()).isEqualTo("/devices/dev-1/config");
        }
        assertThatThrownBy(
                        () ->
                                new MqttDevice(
                                                server,
                                                ctx.getSocketFactory(),
                                                name("dev-1").toString(),
                                                jwt(key2, PROJECT, now, now.plusSeconds(600)))
                                        .close())
                .isInstanceOf(MqttSecurityException.class);
    }

    @Test
    void refusesExpiredWrongAudienceOtherKeyAndOtherClientId() throws Exception {
        Instant now = Instant.now();
        String dev1 = name("dev-1").toString();
        assertRefused(dev1, jwt(key1, PROJECT, now.minusSeconds(7200), now.minusSeconds(3600)));
        assertRefused(dev1, jwt(key1, "another-project", now, now.plusSeconds(600)));
        assertRefused(dev1, jwt(key2, PROJECT, now, now.plusSeconds(600)));
        assertRefused(dev1, jwt(key1, PROJECT, now, now.plusSeconds(25 * 3600)));
        // dev-1's own valid JWT, presented under dev-2's client id.
        assertRefused(name("dev-2").toString(), jwt(key1, PROJECT, now, now.plusSeconds(600)));
        assertRefused("dev-1", jwt(key1, PROJECT, now, now.plusSeconds(600)));
        assertRefused(
                name("no-such-device").toString(), jwt(key1, PROJECT, now, now.plusSeconds(600)));
    }

    private void assertRefused(String clientId, String password) {
        assertThatThrownBy(() -> new MqttDevice(clientId, password).close())
                .isInstanceOf(MqttSecurityException.class);
    }

    @Test
    void aJwtThatExpiresWhileConnectedDropsTheConnection() throws Exception {
        Instant now = Instant.now();
        // exp a little less than the 10 minute skew in the past: valid for about 5 more seconds.
        String shortLived = jwt(key2, PROJECT, now.minusSeconds(1200), now.minusSeconds(595));
        try (MqttDevice d = new MqttDevice(name("dev-2").toString(), shortLived)) {
            assertThat(d.client.isConnected()).isTrue();
            assertThat(d.lost.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(d.client.isConnected()).isFalse();
        }
        // A fresh JWT connects again.
        try (MqttDevice d = connect("dev-2", key2)) {
            assertThat(d.client.isConnected()).isTrue();
        }
    }

    @Test
    void blockingADeviceDisconnectsIt() throws Exception {
        operator.createDevice(
                REGISTRY,
                Device.newBuilder()
                        .setId("dev-3")
                        .addCredentials(
                                DeviceCredential.newBuilder()
                                        .setPublicKey(
                                                PublicKeyCredential.newBuilder()
                                                        .setFormat(PublicKeyFormat.ES256_PEM)
                                                        .setKey(GcpKeys.publicPem(key1))))
                        .build());
        try (MqttDevice d = connect("dev-3", key1)) {
            operator.updateDevice(
                    com.google.cloud.iot.v1.Device.newBuilder()
                            .setName(name("dev-3").toString())
                            .setBlocked(true)
                            .build(),
                    FieldMask.newBuilder().addPaths("blocked").build());
            assertThat(d.lost.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }
        assertRefused(
                name("dev-3").toString(),
                jwt(key1, PROJECT, Instant.now(), Instant.now().plusSeconds(600)));
    }

    private java.util.List<String> states(String id) {
        return operator.listDeviceStates(name(id)).getDeviceStatesList().stream()
                .map(DeviceState::getBinaryData)
                .map(ByteString::toStringUtf8)
                .toList();
    }

    private static boolean eventually(java.util.function.BooleanSupplier check)
            throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            if (check.getAsBoolean()) return true;
            Thread.sleep(100);
        }
        return false;
    }
}
