package dev.meerkat.signing;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client certificates over HTTPS: the CN maps to roles; unknown CNs and foreign CAs are refused.
 */
@QuarkusTest
@WithTestResource(PostgresHsmResource.class)
class MutualTlsTest {

    @TestHTTPResource(value = "/", tls = true)
    URL https;

    @TestHTTPResource("/")
    URL http;

    static final String ADMIN = TestTokens.token("tls-admin", "admin");

    private void useClient(Path p12) {
        Path pki = Path.of("target", "service-pg", "pki").toAbsolutePath();
        System.setProperty("meerkat.ca", pki.resolve("ca.pem").toString());
        if (p12 != null) {
            System.setProperty("meerkat.client.p12", p12.toString());
            System.setProperty("meerkat.client.p12.password", TestPki.P12_PASSWORD);
        }
    }

    @AfterEach
    void clear() {
        System.clearProperty("meerkat.ca");
        System.clearProperty("meerkat.client.p12");
        System.clearProperty("meerkat.client.p12.password");
    }

    @Test
    void certificateRolesSignAndAreEnforced(@TempDir Path tmp) throws Exception {
        assertThat(
                        Cli.run(
                                        ADMIN,
                                        "keys",
                                        "create",
                                        "tls-fw",
                                        "--backend",
                                        "software",
                                        "--url",
                                        http.toString())
                                .exit())
                .isZero();
        Path fw = tmp.resolve("fw.bin");
        Files.write(fw, new byte[2048]);
        Path img = tmp.resolve("fw.img");
        useClient(PostgresHsmResource.clientCertificate("ci-bot"));
        Cli.Result signed =
                Cli.run(
                        null,
                        "sign",
                        "--remote",
                        https.toString(),
                        "--key-id",
                        "tls-fw",
                        "-H",
                        "0x100",
                        "--pad-header",
                        "-v",
                        "0.9.0",
                        "-q",
                        fw.toString(),
                        img.toString());
        assertThat(signed.exit()).as(signed.toString()).isZero();

        // Auditor role from the certificate: may read keys, may not sign.
        useClient(PostgresHsmResource.clientCertificate("security-officer"));
        assertThat(Cli.run(null, "keys", "list", "--url", https.toString()).exit()).isZero();
        Cli.Result refused =
                Cli.run(
                        null,
                        "sign",
                        "--remote",
                        https.toString(),
                        "--key-id",
                        "tls-fw",
                        "-H",
                        "0x100",
                        "--pad-header",
                        "-v",
                        "0.9.0",
                        "-q",
                        fw.toString(),
                        tmp.resolve("x.img").toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("HTTP 403");

        // A CN with no mapping authenticates but holds no role.
        useClient(PostgresHsmResource.clientCertificate("stranger"));
        Cli.Result stranger = Cli.run(null, "keys", "list", "--url", https.toString());
        assertThat(stranger.err()).contains("HTTP 403");

        // A certificate from another CA is not accepted as a credential.
        TestPki foreign =
                new TestPki(Files.createDirectories(tmp.resolve("foreign")), "foreign CA");
        useClient(foreign.client("ci-bot"));
        Cli.Result forged = Cli.run(null, "keys", "list", "--url", https.toString());
        assertThat(forged.exit()).isNotZero();
        assertThat(forged.err()).containsAnyOf("HTTP 401", "I/O", "handshake", "certificate");
    }
}
