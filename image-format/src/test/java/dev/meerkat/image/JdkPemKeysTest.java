package dev.meerkat.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JdkPemKeysTest {

    @Test
    void readsEcPrivateAndPublicKeysAsBouncyCastleDoes() {
        String p256 = Vectors.text("key-ecdsa-p256.pem");
        String p384 = SigningKey.generate(KeyType.ECDSA_P384).toPem(null);
        String p256Public = PemKeys.publicToPem(VerificationKey.fromPem(p256).publicKey());
        String p384Public = PemKeys.publicToPem(VerificationKey.fromPem(p384).publicKey());
        String edPublic =
                PemKeys.publicToPem(
                        VerificationKey.fromPem(Vectors.text("key-ed25519.pem")).publicKey());
        for (String pem : new String[] {p256, p384, p256Public, p384Public, edPublic}) {
            PemKeys.Parsed jdk = JdkPemKeys.parse(pem);
            PemKeys.Parsed bc = PemKeys.parseWithBouncyCastle(pem, null);
            assertThat(jdk).as(pem).isNotNull();
            assertThat(jdk.type()).isEqualTo(bc.type());
            assertThat(jdk.publicKey().getEncoded()).isEqualTo(bc.publicKey().getEncoded());
            if (bc.privateKey() == null) {
                assertThat(jdk.privateKey()).isNull();
            } else {
                assertThat(jdk.privateKey().getEncoded()).isEqualTo(bc.privateKey().getEncoded());
            }
        }
        assertThat(JdkPemKeys.parse(p256).type()).isEqualTo(KeyType.ECDSA_P256);
        assertThat(JdkPemKeys.parse(p384Public).type()).isEqualTo(KeyType.ECDSA_P384);
    }

    @Test
    void leavesOtherKeyFilesToBouncyCastle() {
        String p256 = Vectors.text("key-ecdsa-p256.pem");
        assertThat(JdkPemKeys.parse(Vectors.text("key-ed25519.pem"))).isNull();
        assertThat(JdkPemKeys.parse(Vectors.text("key-rsa-2048.pem"))).isNull();
        assertThat(JdkPemKeys.parse(Vectors.text("key-x25519.pem"))).isNull();
        assertThat(JdkPemKeys.parse(p256.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"))).isNull();
        assertThat(JdkPemKeys.parse(p256 + p256)).isNull();
        assertThat(JdkPemKeys.parse(p256.replace("PRIVATE KEY", "EC PRIVATE KEY"))).isNull();
        assertThat(JdkPemKeys.parse(p256.substring(0, p256.length() / 2))).isNull();
        assertThat(
                        JdkPemKeys.parse(
                                "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n"))
                .isNull();
        assertThat(JdkPemKeys.parse("not a key")).isNull();
    }
}
