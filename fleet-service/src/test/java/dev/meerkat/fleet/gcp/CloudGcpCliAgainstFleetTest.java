package dev.meerkat.fleet.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.cli.Meerkat;
import dev.meerkat.fleet.Api;
import dev.meerkat.fleet.TestReleases;
import dev.meerkat.fleet.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meerkat cloud gcp register | deploy | status --endpoint} against fleet-service's IoT Core
 * device manager: three chips of a provisioning journal registered in a new registry and linked in
 * the fleet (a second run changes nothing), a phased deployment to the registry, and the status
 * showing every device with its fleet execution and its IoT Core config version.
 */
@QuarkusTest
@TestProfile(GcpBridgeProfile.class)
class CloudGcpCliAgainstFleetTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REGISTRY =
            "projects/cli-project/locations/europe-west1/registries/cli-plant";

    @TempDir Path tmp;

    record Run(int exit, String out, String err) {}

    @Test
    void registerTwiceDeployAndShowStatus() throws Exception {
        StringBuilder journal = new StringBuilder();
        List<String> serials =
                List.of("0123aabbccdd000101", "0123aabbccdd000102", "0123aabbccdd000103");
        for (String serial : serials) {
            X509Certificate cert = chipCertificate("chip-" + serial);
            journal.append(
                            JSON.writeValueAsString(
                                    Map.of(
                                            "serial",
                                            serial,
                                            "fingerprint",
                                            HexFormat.of()
                                                    .formatHex(
                                                            MessageDigest.getInstance("SHA-256")
                                                                    .digest(cert.getEncoded())),
                                            "certificatePem",
                                            GcpKeys.pem("CERTIFICATE", cert.getEncoded()))))
                    .append('\n');
        }
        Path log = Files.writeString(tmp.resolve("provisioning.jsonl"), journal);
        Path token =
                Files.writeString(
                        tmp.resolve("token.jwt"),
                        TestTokens.token("gcp-cli", "operator", "release-manager"));

        Run first =
                cli(
                        token,
                        "register",
                        "--log",
                        log.toString(),
                        "--registry",
                        REGISTRY,
                        "--create-registry",
                        "--format",
                        "ES256_X509_PEM",
                        "--link",
                        "--json");
        assertThat(first.exit()).as(first.toString()).isZero();
        JsonNode registered = JSON.readTree(first.out());
        assertThat(registered.path("registryCreated").asBoolean()).isTrue();
        assertThat(registered.path("created").asInt()).isEqualTo(3);
        assertThat(registered.path("linked").asInt()).isEqualTo(3);
        assertThat(registered.path("devices").get(0).path("device").asText())
                .isEqualTo(REGISTRY + "/devices/chip-" + serials.get(0));

        Run again =
                cli(
                        token,
                        "register",
                        "--log",
                        log.toString(),
                        "--registry",
                        REGISTRY,
                        "--create-registry",
                        "--link");
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(again.out())
                .endsWith("0 registered, 3 already registered, 0 linked in the fleet service\n");

        // the same device id with another chip's key is refused by name
        X509Certificate other = chipCertificate("other");
        Path swapped =
                Files.writeString(
                        tmp.resolve("swapped.jsonl"),
                        JSON.writeValueAsString(
                                        Map.of(
                                                "serial",
                                                serials.get(1),
                                                "certificatePem",
                                                GcpKeys.pem("CERTIFICATE", other.getEncoded())))
                                + "\n");
        Run conflict = cli(token, "register", "--log", swapped.toString(), "--registry", REGISTRY);
        assertThat(conflict.exit()).isEqualTo(1);
        assertThat(conflict.err()).contains("chip-" + serials.get(1), "another key");

        Api.upload("gcp-cli-v2", TestReleases.image("2.0.0"));
        Run deploy =
                cli(
                        token,
                        "deploy",
                        "--registry",
                        REGISTRY,
                        "--release",
                        "gcp-cli-v2",
                        "--id",
                        "gcp-cli-dep",
                        "--json",
                        "--",
                        "--phase",
                        "1",
                        "--phase",
                        "rest",
                        "--abort",
                        "FAILED:50:1",
                        "--timeout",
                        "600");
        assertThat(deploy.exit()).as(deploy.toString()).isZero();
        assertThat(JSON.readTree(deploy.out()).path("deployment").path("groupName").asText())
                .isEqualTo("iot-core-cli-plant");

        // the first phase's device gets the update instruction as config version 2
        Instant end = Instant.now().plus(Duration.ofSeconds(90));
        JsonNode status;
        while (true) {
            Run s = cli(token, "status", "gcp-cli-dep", "--json");
            assertThat(s.exit()).as(s.toString()).isZero();
            status = JSON.readTree(s.out());
            boolean delivered = false;
            for (JsonNode d : status.path("devices")) {
                delivered |= d.path("configVersion").asLong() == 2;
            }
            if (delivered) break;
            assertThat(Instant.now()).as("config v2 delivered: " + status).isBefore(end);
            Thread.sleep(500);
        }
        assertThat(status.path("state").asText()).isEqualTo("RUNNING");
        List<String> devices = new ArrayList<>();
        for (JsonNode d : status.path("devices")) {
            devices.add(d.path("iotCoreDevice").asText());
            assertThat(d.path("configAcknowledged").asBoolean()).isFalse();
            if (d.path("configVersion").asLong() == 2) {
                assertThat(d.path("execution").asText()).isIn("QUEUED", "IN_PROGRESS");
            }
        }
        assertThat(devices)
                .containsExactlyInAnyOrder(
                        REGISTRY + "/devices/chip-" + serials.get(0),
                        REGISTRY + "/devices/chip-" + serials.get(1),
                        REGISTRY + "/devices/chip-" + serials.get(2));

        // --follow ends when the deployment does; a canceled one exits 1
        Api.as(Api.RELEASE_MANAGER)
                .post("/api/v1/deployments/gcp-cli-dep/cancel")
                .then()
                .statusCode(200);
        Run followed = cli(token, "status", "gcp-cli-dep", "--follow", "--interval", "1", "--json");
        assertThat(followed.exit()).as(followed.toString()).isEqualTo(1);
        JsonNode last = JSON.readTree(followed.out());
        assertThat(last.path("state").asText()).isEqualTo("CANCELED");
        assertThat(last.path("devices")).hasSize(3);
    }

    /** A device certificate over a fresh P-256 chip key, as the factory records it. */
    private static X509Certificate chipCertificate(String cn) throws Exception {
        KeyPair chip = GcpKeys.ec();
        X500Name subject = new X500Name("CN=" + cn);
        Instant now = Instant.now();
        return new JcaX509CertificateConverter()
                .getCertificate(
                        new JcaX509v3CertificateBuilder(
                                        subject,
                                        BigInteger.valueOf(now.toEpochMilli()),
                                        java.util.Date.from(now.minusSeconds(60)),
                                        java.util.Date.from(now.plus(Duration.ofDays(365))),
                                        subject,
                                        chip.getPublic())
                                .build(
                                        new JcaContentSignerBuilder("SHA256withECDSA")
                                                .build(chip.getPrivate())));
    }

    private static synchronized Run cli(Path token, String... args) {
        List<String> all = new ArrayList<>(List.of("cloud", "gcp"));
        all.addAll(List.of(args));
        int dashes = all.indexOf("--");
        all.addAll(
                dashes < 0 ? all.size() : dashes,
                List.of("--endpoint", "http://127.0.0.1:" + RestAssured.port));
        System.setProperty("meerkat.fleet.token.file", token.toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try {
            int rc =
                    Meerkat.run(
                            all.toArray(String[]::new),
                            new PrintWriter(out, true),
                            new PrintWriter(err, true));
            return new Run(rc, out.toString(), err.toString());
        } finally {
            System.clearProperty("meerkat.fleet.token.file");
        }
    }
}
