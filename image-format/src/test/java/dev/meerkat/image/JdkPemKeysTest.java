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

    @Test
    void signaturesOfTheLightKeysVerifyWithTheJdksKeysAndBack() throws Exception {
        for (String pem :
                new String[] {
                    Vectors.text("key-ecdsa-p256.pem"),
                    SigningKey.generate(KeyType.ECDSA_P384).toPem(null)
                }) {
            PemKeys.Parsed light = JdkPemKeys.parse(pem);
            PemKeys.Parsed jdk = PemKeys.parseWithBouncyCastle(pem, null);
            assertThat(light.privateKey()).isInstanceOf(NamedCurveKeys.Private.class);
            assertThat(light.publicKey()).isEqualTo(jdk.publicKey());
            assertThat(jdk.publicKey()).isEqualTo(light.publicKey());
            assertThat(light.publicKey().hashCode()).isEqualTo(jdk.publicKey().hashCode());
            assertThat(light.privateKey().toString())
                    .doesNotContain(
                            ((java.security.interfaces.ECPrivateKey) light.privateKey())
                                    .getS()
                                    .toString(16));
            byte[] digest = Crypto.sha256(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(verifies(jdk.publicKey(), digest, sign(light.privateKey(), digest)))
                    .isTrue();
            assertThat(verifies(light.publicKey(), digest, sign(jdk.privateKey(), digest)))
                    .isTrue();
            digest[0] ^= 1;
            assertThat(
                            verifies(
                                    light.publicKey(),
                                    digest,
                                    sign(
                                            jdk.privateKey(),
                                            Crypto.sha256(
                                                    pem.getBytes(
                                                            java.nio.charset.StandardCharsets
                                                                    .US_ASCII)))))
                    .isFalse();
        }
    }

    @Test
    void leavesKeysWithoutTheirPointOrOnOtherCurvesToBouncyCastle() throws Exception {
        // SunEC writes a generated key's PKCS#8 without the public point.
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        java.security.KeyPair pair = g.generateKeyPair();
        assertThat(JdkPemKeys.parse(pem("PRIVATE KEY", pair.getPrivate().getEncoded()))).isNull();
        assertThat(JdkPemKeys.parse(pem("PUBLIC KEY", pair.getPublic().getEncoded()))).isNotNull();
        // secp256k1 and a compressed P-256 point: not for the light reader.
        java.security.KeyPairGenerator k1 =
                java.security.KeyPairGenerator.getInstance("EC", Crypto.bc());
        k1.initialize(new java.security.spec.ECGenParameterSpec("secp256k1"));
        java.security.KeyPair other = k1.generateKeyPair();
        assertThat(JdkPemKeys.parse(pem("PRIVATE KEY", other.getPrivate().getEncoded()))).isNull();
        assertThat(JdkPemKeys.parse(pem("PUBLIC KEY", other.getPublic().getEncoded()))).isNull();
        org.bouncycastle.jce.interfaces.ECPointEncoder compressed =
                (org.bouncycastle.jce.interfaces.ECPointEncoder)
                        java.security.KeyFactory.getInstance("EC", Crypto.bc())
                                .generatePublic(
                                        new java.security.spec.X509EncodedKeySpec(
                                                pair.getPublic().getEncoded()));
        compressed.setPointFormat("COMPRESSED");
        byte[] spki = ((java.security.PublicKey) compressed).getEncoded();
        assertThat(spki).hasSize(pair.getPublic().getEncoded().length - 32);
        assertThat(JdkPemKeys.parse(pem("PUBLIC KEY", spki))).isNull();
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN "
                + label
                + "-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(der)
                + "\n-----END "
                + label
                + "-----\n";
    }

    private static byte[] sign(java.security.PrivateKey key, byte[] digest) throws Exception {
        java.security.Signature s = Crypto.signatureFor("NONEwithECDSA", key);
        s.initSign(key);
        s.update(digest);
        return s.sign();
    }

    private static boolean verifies(java.security.PublicKey key, byte[] digest, byte[] sig)
            throws Exception {
        java.security.Signature s = Crypto.signatureFor("NONEwithECDSA", key);
        s.initVerify(key);
        s.update(digest);
        return s.verify(sig);
    }
}
