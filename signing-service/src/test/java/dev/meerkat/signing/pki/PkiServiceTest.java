package dev.meerkat.signing.pki;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.signing.PostgresHsmResource;
import dev.meerkat.signing.TestTokens;
import dev.meerkat.signing.security.Roles;
import dev.meerkat.signing.store.Database;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The device PKI through its HTTP API: hierarchy, policy, idempotency, revocation, CRL, OCSP,
 * offline root.
 */
@QuarkusTest
@WithTestResource(PostgresHsmResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PkiServiceTest {
    static final String ADMIN = TestTokens.token("pki-admin", Roles.ADMIN);
    static final String STATION = TestTokens.token("station-7", Roles.FACTORY_STATION);

    /** The offline root's key pair (test 3), which signs the issuing CA certificate of test 4. */
    static KeyPair offlineRoot;

    @Inject Database db;

    static KeyPair ec(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    static String csr(String cn, KeyPair k) throws Exception {
        byte[] der =
                new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + cn), k.getPublic())
                        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(k.getPrivate()))
                        .getEncoded();
        return org.bouncycastle.util.encoders.Base64.toBase64String(der);
    }

    static X509Certificate x509(String pem) throws Exception {
        return (X509Certificate)
                CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(pem.getBytes()));
    }

    static Map<String, Object> issue(String csr, int status) {
        return given().auth()
                .oauth2(STATION)
                .contentType(ContentType.JSON)
                .body(Map.of("csr", csr))
                .post("/api/v1/pki/csr")
                .then()
                .statusCode(status)
                .extract()
                .as(Map.class);
    }

    @Test
    @Order(1)
    void hierarchyInTheTokenAndPolicyOnCertificates() throws Exception {
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"backend\":\"pkcs11\"}")
                .post("/api/v1/pki/root")
                .then()
                .statusCode(201);
        Map<String, Object> ca =
                given().auth()
                        .oauth2(ADMIN)
                        .contentType(ContentType.JSON)
                        .body("{\"backend\":\"pkcs11\",\"signerId\":4660}")
                        .post("/api/v1/pki/issuing-ca")
                        .then()
                        .statusCode(201)
                        .extract()
                        .as(Map.class);
        assertThat(ca.get("state")).isEqualTo("active");
        assertThat(ca.get("subject").toString()).contains("Device CA 1234");

        KeyPair device = ec("secp256r1");
        String request = csr("0123a1b2c3d4e5f6ee", device);
        Map<String, Object> first = issue(request, 201);
        @SuppressWarnings("unchecked")
        List<String> chain = (List<String>) first.get("chain");
        @SuppressWarnings("unchecked")
        Map<String, Object> cert = (Map<String, Object>) first.get("cert");
        X509Certificate leaf = x509(cert.get("certificate").toString());
        X509Certificate issuing = x509(chain.get(0));
        X509Certificate root = x509(chain.get(1));
        leaf.verify(issuing.getPublicKey());
        issuing.verify(root.getPublicKey());
        root.verify(root.getPublicKey());
        assertThat(leaf.getSubjectX500Principal().getName()).contains("CN=0123A1B2C3D4E5F6EE");
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNotNull();
        assertThat(leaf.getExtensionValue(Extension.authorityKeyIdentifier.getId())).isNotNull();
        assertThat(leaf.getNotBefore().toInstant())
                .isEqualTo(leaf.getNotBefore().toInstant().truncatedTo(ChronoUnit.HOURS));
        assertThat(leaf.getNotAfter().toInstant())
                .isAfter(Instant.now().plus(19 * 365, ChronoUnit.DAYS));

        // The same request again (re-signed: ECDSA differs) returns the same certificate.
        Map<String, Object> again = issue(csr("0123A1B2C3D4E5F6EE", device), 200);
        assertThat(again.get("existing")).isEqualTo(true);
        assertThat(((Map<?, ?>) again.get("cert")).get("serial")).isEqualTo(cert.get("serial"));
        // The same key under another chip serial number is refused.
        given().auth()
                .oauth2(STATION)
                .contentType(ContentType.JSON)
                .body(Map.of("csr", csr("0123A1B2C3D4E5F6ED", device)))
                .post("/api/v1/pki/csr")
                .then()
                .statusCode(409)
                .contentType("application/problem+json");

        // Policy refusals: the CN, the curve, the CSR signature.
        given().auth()
                .oauth2(STATION)
                .contentType(ContentType.JSON)
                .body(Map.of("csr", csr("device-1", ec("secp256r1"))))
                .post("/api/v1/pki/csr")
                .then()
                .statusCode(422)
                .contentType("application/problem+json");
        given().auth()
                .oauth2(STATION)
                .contentType(ContentType.JSON)
                .body(Map.of("csr", csr("0123A1B2C3D4E5F6EF", ec("secp384r1"))))
                .post("/api/v1/pki/csr")
                .then()
                .statusCode(422);
        byte[] tampered =
                org.bouncycastle.util.encoders.Base64.decode(
                        csr("0123A1B2C3D4E5F6EF", ec("secp256r1")));
        tampered[tampered.length - 5] ^= 1;
        given().auth()
                .oauth2(STATION)
                .contentType(ContentType.JSON)
                .body(Map.of("csr", org.bouncycastle.util.encoders.Base64.toBase64String(tampered)))
                .post("/api/v1/pki/csr")
                .then()
                .statusCode(422);
        // The CA keys cannot be used to sign arbitrary digests.
        String keyId = ca.get("keyId").toString();
        given().auth()
                .oauth2(STATION)
                .contentType(ContentType.JSON)
                .body("{\"keyId\":\"" + keyId + "\",\"digest\":\"" + "ab".repeat(32) + "\"}")
                .post("/api/v1/sign/digest")
                .then()
                .statusCode(409);
    }

    @Test
    @Order(2)
    void revocationShowsInInventoryCrlAndOcsp() throws Exception {
        KeyPair good = ec("secp256r1");
        KeyPair bad = ec("secp256r1");
        Map<String, Object> g = issue(csr("0123000000000001EE", good), 201);
        Map<String, Object> b = issue(csr("0123000000000002EE", bad), 201);
        String goodSerial = ((Map<?, ?>) g.get("cert")).get("serial").toString();
        String badSerial = ((Map<?, ?>) b.get("cert")).get("serial").toString();
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"reason\":\"keyCompromise\"}")
                .post("/api/v1/pki/certs/" + badSerial + "/revoke")
                .then()
                .statusCode(200);
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"reason\":\"keyCompromise\"}")
                .post("/api/v1/pki/certs/" + badSerial + "/revoke")
                .then()
                .statusCode(409);
        List<Map<String, Object>> inv =
                given().auth()
                        .oauth2(STATION)
                        .get("/api/v1/pki/certs?serial=0123000000000002ee")
                        .then()
                        .statusCode(200)
                        .extract()
                        .as(List.class);
        assertThat(inv)
                .singleElement()
                .satisfies(
                        e -> {
                            assertThat(e.get("status")).isEqualTo("revoked");
                            assertThat(e.get("revocationReason")).isEqualTo("keyCompromise");
                        });

        @SuppressWarnings("unchecked")
        X509Certificate issuing = x509(((List<String>) g.get("chain")).get(0));
        byte[] crlDer =
                given().get("/api/v1/pki/crl")
                        .then()
                        .statusCode(200)
                        .contentType("application/pkix-crl")
                        .extract()
                        .asByteArray();
        X509CRL crl =
                (X509CRL)
                        CertificateFactory.getInstance("X.509")
                                .generateCRL(new ByteArrayInputStream(crlDer));
        crl.verify(issuing.getPublicKey());
        assertThat(crl.getRevokedCertificate(new BigInteger(badSerial, 16))).isNotNull();
        assertThat(crl.getRevokedCertificate(new BigInteger(goodSerial, 16))).isNull();

        X509CertificateHolder issuer = new JcaX509CertificateHolder(issuing);
        var digests = new JcaDigestCalculatorProviderBuilder().build();
        byte[] req =
                new OCSPReqBuilder()
                        .addRequest(
                                new CertificateID(
                                        digests.get(CertificateID.HASH_SHA1),
                                        issuer,
                                        new BigInteger(goodSerial, 16)))
                        .addRequest(
                                new CertificateID(
                                        digests.get(CertificateID.HASH_SHA1),
                                        issuer,
                                        new BigInteger(badSerial, 16)))
                        .addRequest(
                                new CertificateID(
                                        digests.get(CertificateID.HASH_SHA1),
                                        issuer,
                                        BigInteger.TEN))
                        .build()
                        .getEncoded();
        byte[] answer =
                given().contentType("application/ocsp-request")
                        .body(req)
                        .post("/api/v1/pki/ocsp")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asByteArray();
        OCSPResp resp = new OCSPResp(answer);
        assertThat(resp.getStatus()).isZero();
        BasicOCSPResp basic = (BasicOCSPResp) resp.getResponseObject();
        assertThat(
                        basic.isSignatureValid(
                                new JcaContentVerifierProviderBuilder()
                                        .build(issuing.getPublicKey())))
                .isTrue();
        assertThat(basic.getResponses()[0].getCertStatus()).isNull();
        assertThat(basic.getResponses()[1].getCertStatus()).isInstanceOf(RevokedStatus.class);
        assertThat(basic.getResponses()[2].getCertStatus()).isInstanceOf(UnknownStatus.class);
        // GET form (RFC 6960 A.1)
        String b64 = java.util.Base64.getEncoder().encodeToString(req);
        byte[] viaGet =
                given().urlEncodingEnabled(false)
                        .get("/api/v1/pki/ocsp/" + java.net.URLEncoder.encode(b64, "UTF-8"))
                        .then()
                        .statusCode(200)
                        .extract()
                        .asByteArray();
        assertThat(new OCSPResp(viaGet).getStatus()).isZero();
        assertThat(
                        new OCSPResp(
                                        given().contentType("application/ocsp-request")
                                                .body(new byte[] {1, 2, 3})
                                                .post("/api/v1/pki/ocsp")
                                                .then()
                                                .statusCode(200)
                                                .extract()
                                                .asByteArray())
                                .getStatus())
                .isEqualTo(1);

        List<Map<String, Object>> audit =
                given().auth()
                        .oauth2(ADMIN)
                        .get("/api/v1/audit?limit=5000")
                        .then()
                        .statusCode(200)
                        .extract()
                        .path("entries");
        assertThat(audit)
                .extracting(e -> e.get("action"))
                .contains(
                        "pki.root.create",
                        "pki.issuing.create",
                        "pki.issue",
                        "pki.revoke",
                        "pki.crl",
                        "pki.ocsp");
    }

    @Test
    @Order(3)
    void offlineRootSignsTheIssuingCaCsr() throws Exception {
        // The offline root: made elsewhere, only its certificate comes to this instance.
        KeyPair rootKeys = ec("secp256r1");
        offlineRoot = rootKeys;
        X500Name rootName = new X500Name("O=Meerkat,CN=Meerkat Offline Root");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder rb =
                new JcaX509v3CertificateBuilder(
                        rootName,
                        BigInteger.valueOf(7),
                        Date.from(now.minus(1, ChronoUnit.HOURS)),
                        Date.from(now.plus(3650, ChronoUnit.DAYS)),
                        rootName,
                        rootKeys.getPublic());
        rb.addExtension(Extension.basicConstraints, true, new BasicConstraints(1));
        X509CertificateHolder root =
                rb.build(
                        new JcaContentSignerBuilder("SHA256withECDSA")
                                .build(rootKeys.getPrivate()));
        String rootPem = Pem.encode("CERTIFICATE", root.getEncoded());
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(Map.of("certificate", rootPem))
                .post("/api/v1/pki/root/import")
                .then()
                .statusCode(201);
        Map<String, Object> waiting =
                given().auth()
                        .oauth2(ADMIN)
                        .contentType(ContentType.JSON)
                        .body("{\"backend\":\"software\",\"signerId\":2}")
                        .post("/api/v1/pki/issuing-ca")
                        .then()
                        .statusCode(201)
                        .extract()
                        .as(Map.class);
        assertThat(waiting.get("state")).isEqualTo("awaiting-certificate");
        // This instance cannot sign with a root it only has the certificate of.
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(Map.of("csr", waiting.get("csr"), "signerId", 2))
                .post("/api/v1/pki/root/sign")
                .then()
                .statusCode(409);
        // The offline side signs the CSR (here: the test's own root key).
        var csr =
                new org.bouncycastle.pkcs.PKCS10CertificationRequest(
                        Pem.decode(waiting.get("csr").toString(), "CERTIFICATE REQUEST"));
        JcaX509v3CertificateBuilder ib =
                new JcaX509v3CertificateBuilder(
                        rootName,
                        BigInteger.valueOf(8),
                        Date.from(now.minus(1, ChronoUnit.HOURS)),
                        Date.from(now.plus(1000, ChronoUnit.DAYS)),
                        csr.getSubject(),
                        java.security.KeyFactory.getInstance("EC")
                                .generatePublic(
                                        new java.security.spec.X509EncodedKeySpec(
                                                csr.getSubjectPublicKeyInfo().getEncoded())));
        ib.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        X509CertificateHolder issued =
                ib.build(
                        new JcaContentSignerBuilder("SHA256withECDSA")
                                .build(rootKeys.getPrivate()));
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(Map.of("certificate", Pem.encode("CERTIFICATE", issued.getEncoded())))
                .post("/api/v1/pki/issuing-ca/certificate")
                .then()
                .statusCode(200);
        Map<String, Object> dev = issue(csr("0123000000000003EE", ec("secp256r1")), 201);
        @SuppressWarnings("unchecked")
        List<String> chain = (List<String>) dev.get("chain");
        X509Certificate leaf = x509(((Map<?, ?>) dev.get("cert")).get("certificate").toString());
        leaf.verify(x509(chain.get(0)).getPublicKey());
        assertThat(x509(chain.get(1)).getSubjectX500Principal().getName())
                .contains("Meerkat Offline Root");
        x509(chain.get(0)).verify(rootKeys.getPublic());
    }

    /**
     * A CA and its audit entry are one unit: when the entry cannot be written (here the database
     * refuses it through a constraint), no CA is created, activated or installed.
     */
    @Test
    @Order(4)
    void caChangesCommitOnlyWithTheirAuditEntry() throws Exception {
        List<Map<String, Object>> before = cas();
        refuseAudit("pki.root.create");
        try {
            given().auth()
                    .oauth2(ADMIN)
                    .contentType(ContentType.JSON)
                    .body("{\"backend\":\"software\"}")
                    .post("/api/v1/pki/root")
                    .then()
                    .statusCode(500);
        } finally {
            allowAudit();
        }
        assertThat(cas()).isEqualTo(before);

        // The active root is still the offline one: a new issuing CA waits for its certificate.
        refuseAudit("pki.issuing.create");
        try {
            given().auth()
                    .oauth2(ADMIN)
                    .contentType(ContentType.JSON)
                    .body("{\"backend\":\"software\",\"signerId\":3}")
                    .post("/api/v1/pki/issuing-ca")
                    .then()
                    .statusCode(500);
        } finally {
            allowAudit();
        }
        assertThat(cas()).isEqualTo(before);

        Map<String, Object> waiting =
                given().auth()
                        .oauth2(ADMIN)
                        .contentType(ContentType.JSON)
                        .body("{\"backend\":\"software\",\"signerId\":3}")
                        .post("/api/v1/pki/issuing-ca")
                        .then()
                        .statusCode(201)
                        .extract()
                        .as(Map.class);
        var csr =
                new org.bouncycastle.pkcs.PKCS10CertificationRequest(
                        Pem.decode(waiting.get("csr").toString(), "CERTIFICATE REQUEST"));
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder ib =
                new JcaX509v3CertificateBuilder(
                        new X500Name("O=Meerkat,CN=Meerkat Offline Root"),
                        BigInteger.valueOf(9),
                        Date.from(now.minus(1, ChronoUnit.HOURS)),
                        Date.from(now.plus(1000, ChronoUnit.DAYS)),
                        csr.getSubject(),
                        java.security.KeyFactory.getInstance("EC")
                                .generatePublic(
                                        new java.security.spec.X509EncodedKeySpec(
                                                csr.getSubjectPublicKeyInfo().getEncoded())));
        ib.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        String issued =
                Pem.encode(
                        "CERTIFICATE",
                        ib.build(
                                        new JcaContentSignerBuilder("SHA256withECDSA")
                                                .build(offlineRoot.getPrivate()))
                                .getEncoded());
        List<Map<String, Object>> awaiting = cas();
        refuseAudit("pki.issuing.install");
        try {
            given().auth()
                    .oauth2(ADMIN)
                    .contentType(ContentType.JSON)
                    .body(Map.of("certificate", issued))
                    .post("/api/v1/pki/issuing-ca/certificate")
                    .then()
                    .statusCode(500);
        } finally {
            allowAudit();
        }
        assertThat(cas()).isEqualTo(awaiting);
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(Map.of("certificate", issued))
                .post("/api/v1/pki/issuing-ca/certificate")
                .then()
                .statusCode(200);
        assertThat(cas())
                .filteredOn(ca -> ca.get("id").equals(waiting.get("id")))
                .singleElement()
                .satisfies(ca -> assertThat(ca.get("state")).isEqualTo("active"));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> cas() {
        return given().auth()
                .oauth2(ADMIN)
                .get("/api/v1/pki/cas")
                .then()
                .statusCode(200)
                .extract()
                .as(List.class);
    }

    /**
     * Makes the database refuse audit entries of {@code action} (existing rows are not checked).
     */
    private void refuseAudit(String action) {
        db.tx(
                c -> {
                    try (Statement st = c.createStatement()) {
                        st.execute(
                                "ALTER TABLE audit_log ADD CONSTRAINT test_refused_action CHECK"
                                        + " (action <> '"
                                        + action
                                        + "') NOT VALID");
                    }
                    return null;
                });
    }

    private void allowAudit() {
        db.tx(
                c -> {
                    try (Statement st = c.createStatement()) {
                        st.execute("ALTER TABLE audit_log DROP CONSTRAINT test_refused_action");
                    }
                    return null;
                });
    }
}
