package dev.meerkat.signing.pki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.signing.Cli;
import dev.meerkat.signing.PostgresHsmResource;
import dev.meerkat.signing.TestTokens;
import dev.meerkat.signing.security.Roles;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 point 9: the CA through 'meerkat pki', the station's preflight before any irreversible
 * chip step, no directories made for a mistyped state path, and a revoked chip refused on
 * re-provisioning.
 */
@QuarkusTest
@WithTestResource(PostgresHsmResource.class)
class ProvisionLifecycleTest {
    static final String ADMIN = TestTokens.token("pl-admin", Roles.ADMIN);
    static final String STATION = TestTokens.token("pl-station", Roles.FACTORY_STATION);
    static final String AUDITOR = TestTokens.token("pl-auditor", Roles.AUDITOR);

    @TestHTTPResource("/")
    URL url;

    Cli.Result provision(String token, Path state, Path log) {
        return Cli.run(
                token,
                "provision",
                "--chip",
                "emulator:" + state,
                "--service",
                url.toString(),
                "--log",
                log.toString());
    }

    @Test
    void caByCliPreflightAndRevokedChipRefused(@TempDir Path tmp) throws Exception {
        String u = url.toString();
        Cli.Result root = Cli.run(ADMIN, "pki", "root", "--url", u, "--backend", "software");
        assertThat(root.exit()).as(root.toString()).isZero();
        assertThat(root.out()).contains("root").contains("active");
        Cli.Result issuing =
                Cli.run(
                        ADMIN,
                        "pki",
                        "issuing-ca",
                        "--url",
                        u,
                        "--signer-id",
                        "9",
                        "--backend",
                        "software");
        assertThat(issuing.exit()).as(issuing.toString()).isZero();
        assertThat(Cli.run(ADMIN, "pki", "ca", "--url", u, "--list").out())
                .contains("issuing")
                .contains("active");
        Path chain = tmp.resolve("chain.pem");
        assertThat(Cli.run(null, "pki", "ca", "--url", u, "-o", chain.toString()).exit()).isZero();
        assertThat(Files.readString(chain).split("BEGIN CERTIFICATE", -1)).hasSize(3);

        Path log = tmp.resolve("log.jsonl");
        // Preflight: credentials without the factory-station role stop the run before the chip is
        // touched.
        Path state = tmp.resolve("chip.state");
        Cli.Result wrongRole = provision(AUDITOR, state, log);
        assertThat(wrongRole.exit()).isEqualTo(1);
        assertThat(wrongRole.err()).contains("preflight").contains("not factory-station");
        assertThat(Files.exists(state)).isFalse();

        // A state file in a directory that does not exist is refused; the directory is not created.
        Path missing = tmp.resolve("no-such-dir").resolve("chip.state");
        Cli.Result typo = provision(STATION, missing, log);
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err()).contains("does not exist");
        assertThat(Files.exists(missing.getParent())).isFalse();

        Cli.Result done = provision(STATION, state, log);
        assertThat(done.exit()).as(done.toString()).isZero();
        String line =
                done.out()
                        .lines()
                        .filter(l -> l.contains(" provisioned: certificate "))
                        .findFirst()
                        .orElseThrow();
        String chip = line.substring(0, line.indexOf(' '));
        String certSerial = line.split("certificate ")[1].split(" ")[0];
        Cli.Result certs = Cli.run(STATION, "pki", "certs", "--url", u, "--serial", chip);
        assertThat(certs.out()).contains(certSerial).contains("active");
        Cli.Result certsJson =
                Cli.run(STATION, "pki", "certs", "--url", u, "--serial", chip, "--json");
        assertThat(certsJson.exit()).as(certsJson.toString()).isZero();
        assertThat(certsJson.out().strip().lines()).hasSize(1);
        com.fasterxml.jackson.databind.JsonNode listed =
                new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(certsJson.out())
                        .path("certificates");
        assertThat(listed.isArray()).as(certsJson.out()).isTrue();
        assertThat(listed.get(0).path("serial").asText()).isEqualTo(certSerial);

        Cli.Result revoked =
                Cli.run(
                        ADMIN,
                        "pki",
                        "revoke",
                        "--url",
                        u,
                        certSerial,
                        "--reason",
                        "keyCompromise");
        assertThat(revoked.exit()).as(revoked.toString()).isZero();
        assertThat(revoked.out()).contains("revoked").contains("keyCompromise");

        // The revoked chip comes back to the station: it is refused, with the reason, not given its
        // certificate.
        Cli.Result again = provision(STATION, state, log);
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("Certificate revoked").contains("renew");

        Path crlFile = tmp.resolve("crl.der");
        assertThat(Cli.run(null, "pki", "crl", "--url", u, "-o", crlFile.toString()).exit())
                .isZero();
        X509CRL crl =
                (X509CRL)
                        CertificateFactory.getInstance("X.509")
                                .generateCRL(new ByteArrayInputStream(Files.readAllBytes(crlFile)));
        assertThat(crl.getRevokedCertificate(new BigInteger(certSerial, 16))).isNotNull();
    }
}
