package dev.meerkat.cloud.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.iot.v1.DeviceCredential;
import com.google.cloud.iot.v1.PublicKeyFormat;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/** The chip key in both ES256 forms, compared across forms, other keys refused. */
class ChipKeyTest {

    @Test
    void bothFormsCarryTheChipKeyAndMatchEachOther() throws Exception {
        ChipKey chip = ChipKey.fromCertificatePem(certificate(keys("EC", 256)));
        DeviceCredential bare = chip.credential(PublicKeyFormat.ES256_PEM);
        DeviceCredential x509 = chip.credential(PublicKeyFormat.ES256_X509_PEM);
        assertThat(bare.getPublicKey().getKey()).startsWith("-----BEGIN PUBLIC KEY-----");
        assertThat(x509.getPublicKey().getKey()).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(chip.matches(bare)).isTrue();
        assertThat(chip.matches(x509)).isTrue();

        ChipKey other = ChipKey.fromCertificatePem(certificate(keys("EC", 256)));
        assertThat(other.matches(bare)).isFalse();
        assertThat(other.matches(x509)).isFalse();
    }

    @Test
    void refusesWhatIsNotAP256Certificate() throws Exception {
        assertThatThrownBy(() -> ChipKey.fromCertificatePem(certificate(keys("RSA", 2048))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("P-256");
        assertThatThrownBy(() -> ChipKey.fromCertificatePem(certificate(keys("EC", 384))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ChipKey.fromCertificatePem("not a certificate"))
                .isInstanceOf(IllegalArgumentException.class);
        ChipKey chip = ChipKey.fromCertificatePem(certificate(keys("EC", 256)));
        assertThatThrownBy(() -> chip.credential(PublicKeyFormat.RSA_PEM))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static KeyPair keys(String algorithm, int size) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
        g.initialize(size);
        return g.generateKeyPair();
    }

    private static String certificate(KeyPair k) throws Exception {
        X500Name subject = new X500Name("CN=chip");
        Instant now = Instant.now();
        byte[] der =
                new JcaX509v3CertificateBuilder(
                                subject,
                                BigInteger.ONE,
                                Date.from(now.minusSeconds(60)),
                                Date.from(now.plusSeconds(3600)),
                                subject,
                                k.getPublic())
                        .build(
                                new JcaContentSignerBuilder(
                                                k.getPublic().getAlgorithm().equals("EC")
                                                        ? "SHA256withECDSA"
                                                        : "SHA256withRSA")
                                        .build(k.getPrivate()))
                        .getEncoded();
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END CERTIFICATE-----\n";
    }
}
