package dev.meerkat.fleet.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.fleet.PostgresS3Resource;
import dev.meerkat.fleet.TestReleases;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import org.junit.jupiter.api.Test;

/**
 * The REST API over mutual TLS with certificates of an openssl CA the service trusts: a CN listed
 * in {@code meerkat.fleet.mtls.roles-file} gets exactly the roles listed for it, any other
 * certificate of that CA is a device (matched to a registered device by its fingerprint), a
 * certificate of another CA is no credential at all, even with an operator's CN.
 */
@QuarkusTest
@WithTestResource(PostgresS3Resource.class)
@TestProfile(CertificateRolesMtlsTest.Tls.class)
class CertificateRolesMtlsTest {

    static final String OPERATOR = "fleet-ops";
    static final String VIEWER = "fleet-viewer";
    static final String ADMIN = "fleet-admin";
    static final String RELEASE_MANAGER = "ci-pipeline";
    static final String DEVICE = "mtls-dev-1";
    static final String UNREGISTERED = "mtls-dev-unregistered";

    /** A device certificate whose organization carries the text {@code ,CN=fleet-admin}. */
    static final String SMUGGLER = "mtls-dev-smuggler";

    /** An operator whose CN has a comma in it (RFC 2253 escapes it). */
    static final String NIGHT_SHIFT = "night-shift";

    static final String NIGHT_SHIFT_CN = "Fleet Ops, Night Shift";

    /** HTTPS with client certificates of the test CA and a CN → roles file. */
    public static class Tls implements QuarkusTestProfile {
        // The profile and the test run in different class loaders: the CA's directory is passed
        // through a system property so that both use the same one.
        private static final String PROPERTY = "meerkat.test.cert-roles-ca";

        static synchronized OpensslCa ca() throws Exception {
            String made = System.getProperty(PROPERTY);
            if (made != null) return OpensslCa.existing(Path.of(made));
            Path dir =
                    Files.createTempDirectory(
                            Files.createDirectories(Path.of("target").toAbsolutePath()),
                            "cert-roles-ca");
            OpensslCa c = new OpensslCa(dir.resolve("ca"), "Fleet Test Client CA");
            c.issueServer("fleet-server");
            for (String cn :
                    List.of(OPERATOR, VIEWER, ADMIN, RELEASE_MANAGER, DEVICE, UNREGISTERED)) {
                c.issue(cn);
            }
            c.issue(SMUGGLER, "/CN=" + SMUGGLER + "/O=x,CN=" + ADMIN);
            c.issue(NIGHT_SHIFT, "/CN=" + NIGHT_SHIFT_CN);
            Files.writeString(
                    dir.resolve("cert-roles.properties"),
                    String.join(
                            "\n",
                            OPERATOR + "=operator",
                            VIEWER + "=viewer",
                            ADMIN + "=admin",
                            RELEASE_MANAGER + "=release-manager",
                            NIGHT_SHIFT_CN.replace(" ", "\\ ") + "=operator",
                            ""));
            OpensslCa foreign = new OpensslCa(dir.resolve("foreign"), "Fleet Test Client CA");
            foreign.issue(ADMIN);
            c.crl("crl", null);
            System.setProperty(PROPERTY, c.dir.toString());
            return c;
        }

        static OpensslCa foreign() throws Exception {
            return OpensslCa.existing(ca().dir.getParent().resolve("foreign"));
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
                        "meerkat.fleet.mtls.roles-file",
                        c.dir.getParent().resolve("cert-roles.properties").toString(),
                        "meerkat.fleet.device-crl.file",
                        c.dir.resolve("crl.der").toString(),
                        "meerkat.fleet.device-crl.issuer",
                        c.caCertificate().toString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @TestHTTPResource(value = "/", tls = true)
    URL https;

    /**
     * An answer, or {@code status == -1} when the connection failed ({@code body} then names the
     * exception).
     */
    record Answer(int status, String type, String body) {
        JsonPath json() {
            return JsonPath.from(body);
        }
    }

    Answer get(OpensslCa ca, String cn, String path) throws Exception {
        return call(ca, cn, "GET", path, null, null);
    }

    Answer post(OpensslCa ca, String cn, String path, String type, byte[] body) throws Exception {
        return call(ca, cn, "POST", path, type, body);
    }

    /** One request with the client certificate {@code cn} of {@code ca}, or with none. */
    Answer call(OpensslCa ca, String cn, String method, String path, String type, byte[] body)
            throws Exception {
        OpensslCa server = Tls.ca();
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", OpensslCa.read(server.caCertificate()));
        TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManager[] keys = null;
        if (cn != null) {
            KeyStore client = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(ca.p12(cn))) {
                client.load(in, "test".toCharArray());
            }
            KeyManagerFactory kmf =
                    KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(client, "test".toCharArray());
            String alias =
                    Collections.list(client.aliases()).stream()
                            .filter(
                                    a -> {
                                        try {
                                            return client.isKeyEntry(a);
                                        } catch (Exception e) {
                                            return false;
                                        }
                                    })
                            .findFirst()
                            .orElseThrow();
            keys =
                    new KeyManager[] {
                        new Presenting((X509KeyManager) kmf.getKeyManagers()[0], alias)
                    };
        }
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys, tmf.getTrustManagers(), null);
        HttpsURLConnection c = (HttpsURLConnection) new URL(https, path).openConnection();
        c.setSSLSocketFactory(tls.getSocketFactory());
        c.setRequestMethod(method);
        try {
            if (body != null) {
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", type);
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Answer(status, String.valueOf(c.getContentType()), text);
        } catch (IOException e) {
            // A refused client certificate surfaces, depending on when the server hangs up, as an
            // SSLException, a reset or broken pipe, or HttpURLConnection's "Error writing to
            // server".
            return new Answer(-1, null, e + (e.getCause() == null ? "" : " / " + e.getCause()));
        } finally {
            c.disconnect();
        }
    }

    /**
     * Presents its one certificate whatever CAs the server names, so that a certificate of a
     * foreign CA really reaches the server instead of being left out by the client.
     */
    static final class Presenting extends X509ExtendedKeyManager {
        private final X509KeyManager keys;
        private final String alias;

        Presenting(X509KeyManager keys, String alias) {
            this.keys = keys;
            this.alias = alias;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return alias;
        }

        @Override
        public String chooseEngineClientAlias(
                String[] keyType, Principal[] issuers, SSLEngine engine) {
            return alias;
        }

        @Override
        public X509Certificate[] getCertificateChain(String a) {
            return keys.getCertificateChain(a);
        }

        @Override
        public PrivateKey getPrivateKey(String a) {
            return keys.getPrivateKey(a);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {alias};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }

    static void assertProblem(Answer a, int status, String detailPart) {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.type()).as(a.body()).startsWith("application/problem+json");
        JsonPath p = a.json();
        assertThat(p.getInt("status")).isEqualTo(status);
        assertThat(p.getString("title")).isNotBlank();
        assertThat(p.getString("detail")).contains(detailPart);
    }

    static String fingerprint(Path pem) throws Exception {
        return HexFormat.of()
                .formatHex(
                        MessageDigest.getInstance("SHA-256")
                                .digest(OpensslCa.read(pem).getEncoded()));
    }

    static byte[] release(String version) {
        return TestReleases.image(version, 0, TestReleases.PLATFORM, TestReleases.TRUSTED);
    }

    @Test
    void anOperatorCertificateReadsAndOperatesButCannotCreateReleases() throws Exception {
        OpensslCa ca = Tls.ca();
        Answer list = get(ca, OPERATOR, "/api/v1/deployments");
        assertThat(list.status()).as(list.body()).isEqualTo(200);
        assertThat(list.type()).startsWith("application/json");
        assertThat(list.body()).startsWith("[");

        byte[] image = release("4.1.0");
        Answer upload =
                post(
                        ca,
                        OPERATOR,
                        "/api/v1/releases?id=mtls-op-4.1.0",
                        "application/octet-stream",
                        image);
        assertProblem(upload, 403, "roles [operator] may not POST /api/v1/releases");

        // An operator's own write goes through: creating a group.
        Answer group =
                post(
                        ca,
                        OPERATOR,
                        "/api/v1/groups",
                        "application/json",
                        "{\"name\":\"mtls-op-group\",\"members\":[]}"
                                .getBytes(StandardCharsets.UTF_8));
        assertThat(group.status()).as(group.body()).isEqualTo(201);

        // The same upload with the release manager's certificate is accepted: the refusal above
        // was the operator's role, not the request.
        Answer accepted =
                post(
                        ca,
                        RELEASE_MANAGER,
                        "/api/v1/releases?id=mtls-op-4.1.0",
                        "application/octet-stream",
                        image);
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(201);
        assertThat(accepted.json().getString("id")).isEqualTo("mtls-op-4.1.0");

        // A role certificate is no device certificate.
        assertProblem(
                get(ca, OPERATOR, "/api/v1/device/" + OPERATOR + "/next"),
                401,
                "belongs to no registered device");
    }

    @Test
    void aViewerCertificateReadsButCannotWrite() throws Exception {
        OpensslCa ca = Tls.ca();
        for (String path : List.of("/api/v1/releases", "/api/v1/devices", "/api/v1/groups")) {
            Answer read = get(ca, VIEWER, path);
            assertThat(read.status()).as(path + ": " + read.body()).isEqualTo(200);
        }
        assertProblem(
                post(
                        ca,
                        VIEWER,
                        "/api/v1/groups",
                        "application/json",
                        "{\"name\":\"mtls-viewer-group\",\"members\":[]}"
                                .getBytes(StandardCharsets.UTF_8)),
                403,
                "roles [viewer] may not POST /api/v1/groups");
        assertProblem(
                post(
                        ca,
                        VIEWER,
                        "/api/v1/devices",
                        "application/json",
                        "{\"id\":\"mtls-viewer-dev\"}".getBytes(StandardCharsets.UTF_8)),
                403,
                "roles [viewer] may not POST /api/v1/devices");
    }

    @Test
    void anAdminCertificateReadsTheAuditTrailAndUploadsReleases() throws Exception {
        OpensslCa ca = Tls.ca();
        // Neither the operator nor the release manager may read the audit trail.
        assertProblem(get(ca, OPERATOR, "/api/v1/audit"), 403, "roles [operator]");
        assertProblem(get(ca, RELEASE_MANAGER, "/api/v1/audit"), 403, "roles [release-manager]");

        Answer upload =
                post(
                        ca,
                        ADMIN,
                        "/api/v1/releases?id=mtls-admin-4.2.0",
                        "application/octet-stream",
                        release("4.2.0"));
        assertThat(upload.status()).as(upload.body()).isEqualTo(201);

        Answer audit = get(ca, ADMIN, "/api/v1/audit?limit=5000");
        assertThat(audit.status()).as(audit.body()).isEqualTo(200);
        List<Map<String, Object>> entries = audit.json().getList("entries");
        // The trail names certificate callers by their CN, with the roles the file gave them.
        assertThat(entries)
                .anySatisfy(
                        e -> {
                            assertThat(e.get("actor")).isEqualTo("cert:" + ADMIN);
                            assertThat(e.get("roles")).isEqualTo("admin");
                            assertThat(e.get("subject")).isEqualTo("mtls-admin-4.2.0");
                        });
        assertThat(entries)
                .anySatisfy(
                        e -> {
                            assertThat(e.get("actor")).isEqualTo("cert:" + OPERATOR);
                            assertThat(e.get("roles")).isEqualTo("operator");
                            assertThat(String.valueOf(e.get("action")))
                                    .isEqualTo("http GET /api/v1/audit");
                        });
    }

    @Test
    void anyOtherCertificateOfTheCaIsADeviceMatchedByFingerprint() throws Exception {
        OpensslCa ca = Tls.ca();
        Answer registered =
                post(
                        ca,
                        OPERATOR,
                        "/api/v1/devices",
                        "application/json",
                        ("{\"id\":\""
                                        + DEVICE
                                        + "\",\"certFingerprint\":\""
                                        + fingerprint(ca.dir.resolve(DEVICE + ".pem"))
                                        + "\"}")
                                .getBytes(StandardCharsets.UTF_8));
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);

        Answer next = get(ca, DEVICE, "/api/v1/device/" + DEVICE + "/next");
        assertThat(next.status()).as(next.body()).isEqualTo(204);
        // The certificate is matched to its own device and to no other.
        assertProblem(
                get(ca, DEVICE, "/api/v1/device/other-device/next"),
                403,
                "device " + DEVICE + " may not act for other-device");
        // Operator endpoints are closed to it.
        assertProblem(
                get(ca, DEVICE, "/api/v1/deployments"),
                403,
                "roles [device] may not GET /api/v1/deployments");
        assertProblem(
                post(
                        ca,
                        DEVICE,
                        "/api/v1/releases?id=mtls-dev-4.3.0",
                        "application/octet-stream",
                        release("4.3.0")),
                403,
                "roles [device]");
        // A certificate of the CA that no registered device holds reaches no device.
        assertProblem(
                get(ca, UNREGISTERED, "/api/v1/device/" + UNREGISTERED + "/next"),
                401,
                "belongs to no registered device");

        Answer seen = get(ca, VIEWER, "/api/v1/devices/" + DEVICE);
        assertThat(seen.status()).as(seen.body()).isEqualTo(200);
        assertThat(seen.json().getString("device.lastSeen")).isNotNull();
    }

    @Test
    void theCnIsTheSubjectsCommonNameAttributeWholeAndUnescaped() throws Exception {
        OpensslCa ca = Tls.ca();
        // RFC 2253 prints this CN as "Fleet Ops\, Night Shift": it is still the listed operator.
        Answer group =
                post(
                        ca,
                        NIGHT_SHIFT,
                        "/api/v1/groups",
                        "application/json",
                        "{\"name\":\"mtls-night-group\",\"members\":[]}"
                                .getBytes(StandardCharsets.UTF_8));
        assertThat(group.status()).as(group.body()).isEqualTo(201);
        assertProblem(
                post(
                        ca,
                        NIGHT_SHIFT,
                        "/api/v1/releases?id=mtls-night-4.4.0",
                        "application/octet-stream",
                        release("4.4.0")),
                403,
                "roles [operator] may not POST /api/v1/releases");

        // "CN=fleet-admin" inside the organization's value is not a CN: this is a device.
        String subject =
                OpensslCa.read(ca.dir.resolve(SMUGGLER + ".pem"))
                        .getSubjectX500Principal()
                        .getName();
        assertThat(subject).contains("CN=" + SMUGGLER).contains("fleet-admin");
        assertProblem(get(ca, SMUGGLER, "/api/v1/audit"), 403, "roles [device]");

        Answer audit = get(ca, ADMIN, "/api/v1/audit?limit=5000");
        assertThat(audit.status()).as(audit.body()).isEqualTo(200);
        List<Map<String, Object>> entries = audit.json().getList("entries");
        assertThat(entries)
                .anySatisfy(
                        e -> {
                            assertThat(e.get("actor")).isEqualTo("cert:" + NIGHT_SHIFT_CN);
                            assertThat(e.get("subject")).isEqualTo("mtls-night-group");
                        });
        assertThat(entries)
                .anySatisfy(e -> assertThat(e.get("actor")).isEqualTo("cert:" + SMUGGLER));
    }

    @Test
    void aCertificateOfAnotherCaIsNoCredential() throws Exception {
        // Same CN as the admin's certificate, issued by a CA of the same name with another key.
        Answer forged = get(Tls.foreign(), ADMIN, "/api/v1/audit");
        // Refused at the handshake (status -1: the connection failed), or at the latest with 401.
        if (forged.status() != -1) assertProblem(forged, 401, "");
        // The same request with the admin's real certificate is served: the CA made the difference.
        Answer real = get(Tls.ca(), ADMIN, "/api/v1/audit");
        assertThat(real.status()).as(real.body()).isEqualTo(200);
        Answer device = get(Tls.foreign(), ADMIN, "/api/v1/device/" + DEVICE + "/next");
        if (device.status() != -1) {
            assertThat(device.status()).as(device.body()).isEqualTo(401);
            assertThat(device.type()).startsWith("application/problem+json");
        }
    }

    @Test
    void noCertificateAndNoTokenIs401() throws Exception {
        OpensslCa ca = Tls.ca();
        assertProblem(
                get(ca, null, "/api/v1/deployments"),
                401,
                "a bearer token or a client certificate is required");
        assertProblem(
                get(ca, null, "/api/v1/device/" + DEVICE + "/next"),
                401,
                "a device certificate, a device token or a device JWT is required");
    }
}
