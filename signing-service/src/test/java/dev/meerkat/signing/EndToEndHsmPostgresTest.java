package dev.meerkat.signing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.image.ImageSource;
import dev.meerkat.image.ImageVerifier;
import dev.meerkat.image.VerificationKey;
import dev.meerkat.signing.keys.Backends;
import dev.meerkat.signing.keys.KeyService;
import dev.meerkat.signing.keys.Pkcs11Backend;
import dev.meerkat.signing.store.Database;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Production set-up end to end: keys in a SoftHSM2 token, metadata and audit in PostgreSQL. */
@QuarkusTest
@WithTestResource(PostgresHsmResource.class)
class EndToEndHsmPostgresTest {

    @TestHTTPResource("/")
    URL url;

    @Inject Database db;

    @Inject Backends backends;

    @Inject KeyService keys;

    static final String ADMIN = TestTokens.token("alice", "admin");
    static final String CI = TestTokens.token("ci-runner", "ci-pipeline");

    @Test
    void cliSignsImageWithTokenKeyAndVerifies(@TempDir Path tmp) throws Exception {
        assertThat(db.kind()).isEqualTo("postgresql");
        String base = url.toString();
        Cli.Result created =
                Cli.run(
                        ADMIN,
                        "keys",
                        "create",
                        "fw-hsm",
                        "--type",
                        "ecdsa-p256",
                        "--backend",
                        "pkcs11",
                        "--url",
                        base);
        assertThat(created.exit()).as(created.toString()).isZero();
        assertThat(created.out()).contains("pkcs11");

        Path fw = tmp.resolve("app.bin");
        byte[] payload = new byte[300_000];
        new Random(11).nextBytes(payload);
        Files.write(fw, payload);
        Path img = tmp.resolve("app.signed.bin");
        Cli.Result signed =
                Cli.run(
                        CI,
                        "sign",
                        "--remote",
                        base,
                        "--key-id",
                        "fw-hsm",
                        "-H",
                        "0x200",
                        "--pad-header",
                        "-v",
                        "2.0.1+7",
                        "-q",
                        fw.toString(),
                        img.toString());
        assertThat(signed.exit()).as(signed.toString()).isZero();

        Path pub = tmp.resolve("fw-hsm.pem");
        assertThat(
                        Cli.run(CI, "keys", "public", "fw-hsm", "--url", base, "-o", pub.toString())
                                .exit())
                .isZero();
        Cli.Result verified = Cli.run(null, "verify", "-k", pub.toString(), "-q", img.toString());
        assertThat(verified.exit()).as(verified.toString()).isZero();
        VerificationKey vk = VerificationKey.fromPem(Files.readString(pub));
        assertThat(
                        ImageVerifier.trusting(vk)
                                .verify(ImageSource.of(Files.readAllBytes(img)))
                                .signer())
                .contains(vk);

        // The key lives in the token and cannot be read out of it.
        Pkcs11Backend hsm = (Pkcs11Backend) backends.get("pkcs11");
        String alias = keys.require("fw-hsm").current().alias();
        assertThat(hsm.handle(alias).getEncoded()).isNull();
        String objects =
                PostgresHsmResource.run(
                        List.of(
                                "pkcs11-tool",
                                "--module",
                                PostgresHsmResource.SOFTHSM_LIBRARY,
                                "--token-label",
                                "meerkat",
                                "--login",
                                "--pin",
                                PostgresHsmResource.PIN,
                                "--list-objects",
                                "--type",
                                "privkey"),
                        false);
        // SunPKCS11 stores the alias as the object's CKA_ID.
        String id =
                java.util.HexFormat.of()
                        .formatHex(alias.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String entry = objects.substring(objects.indexOf(id));
        assertThat(entry.lines().limit(3).toList())
                .anySatisfy(l -> assertThat(l).contains("sensitive").contains("never extractable"));
    }

    @Test
    void keyHashAndCArrayExportsMatchThePem(@TempDir Path tmp) throws Exception {
        String base = url.toString();
        assertThat(
                        Cli.run(
                                        ADMIN,
                                        "keys",
                                        "create",
                                        "fw-export",
                                        "--backend",
                                        "pkcs11",
                                        "--type",
                                        "ecdsa-p384",
                                        "--url",
                                        base)
                                .exit())
                .isZero();
        Cli.Result pem = Cli.run(CI, "keys", "public", "fw-export", "--url", base);
        Cli.Result hash =
                Cli.run(CI, "keys", "public", "fw-export", "-e", "keyhash", "--url", base);
        Cli.Result c = Cli.run(CI, "keys", "public", "fw-export", "-e", "c", "--url", base);
        VerificationKey vk = VerificationKey.fromPem(pem.out());
        assertThat(hash.out().strip()).isEqualTo(vk.keyHashHex());
        assertThat(c.out())
                .contains("const unsigned char ecdsa_pub_key[]")
                .contains("ecdsa_pub_key_len = " + vk.publicBytes().length + ";");
    }
}
