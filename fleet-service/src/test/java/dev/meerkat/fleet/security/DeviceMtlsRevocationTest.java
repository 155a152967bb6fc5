package dev.meerkat.fleet.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.fleet.Api;
import dev.meerkat.fleet.PostgresS3Resource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/**
 * Devices calling the fleet service over mutual TLS with certificates of an openssl device CA: the
 * one whose certificate is on the CA's CRL is refused (401 problem+json, audited), the other
 * served.
 */
@QuarkusTest
@WithTestResource(PostgresS3Resource.class)
@TestProfile(DeviceMtlsRevocationTest.Tls.class)
class DeviceMtlsRevocationTest {

    /** HTTPS with client certificates of the test CA, and that CA's CRL as a file. */
    public static class Tls implements QuarkusTestProfile {
        // The profile and the test run in different class loaders: the CA's directory is passed
        // through a system property so that both use the same one.
        private static final String PROPERTY = "meerkat.test.device-ca";

        static synchronized OpensslCa ca() throws Exception {
            String made = System.getProperty(PROPERTY);
            if (made != null) return OpensslCa.existing(Path.of(made));
            Path dir =
                    Files.createTempDirectory(
                            Files.createDirectories(Path.of("target").toAbsolutePath()),
                            "device-ca");
            OpensslCa c = new OpensslCa(dir.resolve("ca"), "Fleet Test Device CA");
            c.issueServer("fleet-server");
            c.issue("mtls-good");
            Path stolen = c.issue("mtls-stolen");
            c.revoke(stolen, "keyCompromise");
            Files.copy(c.crl("crl", null), dir.resolve("device.crl"));
            System.setProperty(PROPERTY, c.dir.toString());
            return c;
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                OpensslCa c = ca();
                return Map.of(
                        "quarkus.tls.key-store.pem.0.cert",
                        c.dir.resolve("fleet-server.pem").toString(),
                        "quarkus.tls.key-store.pem.0.key",
                        c.dir.resolve("fleet-server.key").toString(),
                        "quarkus.tls.trust-store.pem.certs",
                        c.caCertificate().toString(),
                        "quarkus.http.test-ssl-port",
                        "0",
                        "meerkat.fleet.device-crl.file",
                        c.dir.getParent().resolve("device.crl").toString(),
                        "meerkat.fleet.device-crl.issuer",
                        c.caCertificate().toString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @TestHTTPResource(value = "/", tls = true)
    URL https;

    record Answer(int status, String type, String body) {}

    Answer get(String cn, String path) throws Exception {
        OpensslCa ca = Tls.ca();
        KeyStore client = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ca.p12(cn))) {
            client.load(in, "test".toCharArray());
        }
        KeyManagerFactory kmf =
                KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(client, "test".toCharArray());
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", OpensslCa.read(ca.caCertificate()));
        TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        HttpsURLConnection c = (HttpsURLConnection) new URL(https, path).openConnection();
        c.setSSLSocketFactory(tls.getSocketFactory());
        int status = c.getResponseCode();
        InputStream body = status >= 400 ? c.getErrorStream() : c.getInputStream();
        String text = body == null ? "" : new String(body.readAllBytes());
        c.disconnect();
        return new Answer(status, String.valueOf(c.getContentType()), text);
    }

    static String fingerprint(Path pem) throws Exception {
        return HexFormat.of()
                .formatHex(
                        MessageDigest.getInstance("SHA-256")
                                .digest(OpensslCa.read(pem).getEncoded()));
    }

    @Test
    void aRevokedDeviceCertificateIsRefusedAndAudited() throws Exception {
        OpensslCa ca = Tls.ca();
        for (String cn : List.of("mtls-good", "mtls-stolen")) {
            Api.as(Api.ADMIN)
                    .contentType(ContentType.JSON)
                    .body(
                            Map.of(
                                    "id",
                                    cn,
                                    "certFingerprint",
                                    fingerprint(ca.dir.resolve(cn + ".pem"))))
                    .post("/api/v1/devices")
                    .then()
                    .statusCode(201);
        }
        Answer good = get("mtls-good", "/api/v1/device/mtls-good/next");
        assertThat(good.status()).as(good.body()).isIn(200, 204);

        Answer stolen = get("mtls-stolen", "/api/v1/device/mtls-stolen/next");
        assertThat(stolen.status()).as(stolen.body()).isEqualTo(401);
        assertThat(stolen.type()).startsWith("application/problem+json");
        assertThat(stolen.body()).contains("revoked").contains("KEY_COMPROMISE");

        List<Map<String, Object>> audit =
                Api.as(Api.ADMIN)
                        .get("/api/v1/audit?limit=5000")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("entries");
        assertThat(audit)
                .anySatisfy(
                        a -> {
                            assertThat(a.get("action")).isEqualTo("device.certificate-refused");
                            assertThat(a.get("subject")).isEqualTo("mtls-stolen");
                            assertThat(a.get("actor")).isEqualTo("cert:mtls-stolen");
                        });
        String ready =
                io.restassured.RestAssured.get("/q/health/ready").then().extract().asString();
        assertThat(ready).contains("current until");
    }
}
