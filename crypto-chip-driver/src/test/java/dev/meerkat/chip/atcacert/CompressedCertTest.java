package dev.meerkat.chip.atcacert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.chip.jca.EcKeys;
import dev.meerkat.chip.provisioning.ConfigTemplate;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * Compressed certificates: byte layout, date encoding, and full DER rebuilt from template + 72
 * bytes + keys.
 */
class CompressedCertTest {
    static final byte[] CHIP_SN = HexFormat.of().parseHex("0123A1B2C3D4E5F6EE");

    static KeyPair p256() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /**
     * A certificate made the way the device CA makes them: hour dates, whole years, serial from the
     * key hash.
     */
    static X509CertificateHolder issue(
            X500Name issuer,
            PrivateKey issuerKey,
            ECPublicKey issuerPub,
            X500Name subject,
            ECPublicKey pub,
            Instant issue,
            int years,
            boolean ca)
            throws Exception {
        byte[] dates = CompressedCert.encodeDates(issue, years);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(EcKeys.raw(pub));
        sha.update(dates);
        byte[] sn = Arrays.copyOf(sha.digest(), 16);
        sn[0] = (byte) ((sn[0] & 0x7F) | 0x40);
        Instant expire =
                new CompressedCert(new byte[64], dates, 0, 0, 0, SnSource.PUB_KEY_HASH)
                        .expireDate();
        JcaX509v3CertificateBuilder b =
                new JcaX509v3CertificateBuilder(
                        issuer,
                        new BigInteger(sn),
                        new Time(Date.from(issue)),
                        new Time(Date.from(expire)),
                        subject,
                        pub);
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(
                Extension.basicConstraints,
                true,
                ca ? new BasicConstraints(0) : new BasicConstraints(false));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pub));
        b.addExtension(
                Extension.authorityKeyIdentifier,
                false,
                ext.createAuthorityKeyIdentifier(issuerPub));
        return b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey));
    }

    @Test
    void layoutAndDates() {
        Instant issue = Instant.parse("2026-11-23T01:00:00Z");
        byte[] dates = CompressedCert.encodeDates(issue, 20);
        // year 26, month 11, day 23, hour 1, 20 years: 11010 1011 10111 00001 10100
        assertThat(HexFormat.of().formatHex(dates)).isEqualTo("d5dc34");
        CompressedCert c =
                new CompressedCert(new byte[64], dates, 0x1234, 1, 0, SnSource.PUB_KEY_HASH);
        byte[] b = c.toBytes();
        assertThat(b).hasSize(72);
        assertThat(HexFormat.of().formatHex(b, 64, 72)).isEqualTo("d5dc34123410a000");
        CompressedCert back = CompressedCert.parse(b);
        assertThat(back).isEqualTo(c);
        assertThat(back.issueDate()).isEqualTo(issue);
        assertThat(back.expireDate()).isEqualTo(Instant.parse("2046-11-23T01:00:00Z"));
        assertThat(
                        new CompressedCert(
                                        new byte[64],
                                        CompressedCert.encodeDates(issue, 0),
                                        0,
                                        0,
                                        0,
                                        SnSource.PUB_KEY_HASH)
                                .expireDate())
                .isEqualTo(CompressedCert.MAX_DATE);
        assertThatThrownBy(
                        () -> CompressedCert.encodeDates(Instant.parse("2026-11-23T01:30:00Z"), 1))
                .hasMessageContaining("whole hour");
    }

    @Test
    void deviceAndSignerCertificatesRebuildFromSeventyTwoBytes() throws Exception {
        KeyPair root = p256();
        KeyPair signer = p256();
        KeyPair device = p256();
        X500Name rootName = new X500Name("O=Meerkat,CN=Meerkat Root CA");
        X500Name signerName = new X500Name("O=Meerkat,CN=Meerkat Device CA 00A7");
        ECPublicKey signerPub = (ECPublicKey) signer.getPublic();
        ECPublicKey devicePub = (ECPublicKey) device.getPublic();
        X509CertificateHolder signerCert =
                issue(
                        rootName,
                        root.getPrivate(),
                        (ECPublicKey) root.getPublic(),
                        signerName,
                        signerPub,
                        Instant.parse("2026-01-05T10:00:00Z"),
                        30,
                        true);
        X509CertificateHolder deviceCert =
                issue(
                        signerName,
                        signer.getPrivate(),
                        signerPub,
                        new X500Name("O=Meerkat,CN=0123A1B2C3D4E5F6EE"),
                        devicePub,
                        Instant.parse("2026-11-23T01:00:00Z"),
                        0,
                        false);

        CertDefinition signerDef =
                CertDefinition.fromCertificate(
                        CertDefinition.Kind.SIGNER, signerCert.getEncoded(), 2, 0);
        CertDefinition deviceDef =
                CertDefinition.fromCertificate(
                        CertDefinition.Kind.DEVICE, deviceCert.getEncoded(), 1, 0);
        assertThat(deviceDef.expireYears()).isZero();
        assertThat(signerDef.expireYears()).isEqualTo(30);

        CompressedCert dc = deviceDef.compress(deviceCert.getEncoded());
        assertThat(dc.signerId()).isEqualTo(0x00A7);
        assertThat(dc.templateId()).isEqualTo(1);
        byte[] stored = dc.toBytes();
        byte[] rebuilt =
                deviceDef.rebuild(
                        CompressedCert.parse(stored),
                        EcKeys.raw(devicePub),
                        CHIP_SN,
                        EcKeys.raw(signerPub));
        assertThat(rebuilt).isEqualTo(deviceCert.getEncoded());

        CompressedCert sc = signerDef.compress(signerCert.getEncoded());
        assertThat(
                        signerDef.rebuild(
                                CompressedCert.parse(sc.toBytes()),
                                EcKeys.raw(signerPub),
                                null,
                                null))
                .isEqualTo(signerCert.getEncoded());

        // The same definitions serve another device of the same profile.
        KeyPair other = p256();
        X509CertificateHolder otherCert =
                issue(
                        signerName,
                        signer.getPrivate(),
                        signerPub,
                        new X500Name("O=Meerkat,CN=0123000000000042EE"),
                        (ECPublicKey) other.getPublic(),
                        Instant.parse("2027-02-28T23:00:00Z"),
                        0,
                        false);
        byte[] again =
                deviceDef.rebuild(
                        deviceDef.compress(otherCert.getEncoded()),
                        EcKeys.raw((ECPublicKey) other.getPublic()),
                        HexFormat.of().parseHex("0123000000000042EE"),
                        EcKeys.raw(signerPub));
        assertThat(again).isEqualTo(otherCert.getEncoded());
        X509Certificate x =
                (X509Certificate)
                        CertificateFactory.getInstance("X.509")
                                .generateCertificate(new java.io.ByteArrayInputStream(again));
        x.verify(signerPub);

        // A wrong device key gives a certificate whose signature does not verify.
        byte[] wrong =
                deviceDef.rebuild(
                        dc,
                        EcKeys.raw((ECPublicKey) other.getPublic()),
                        CHIP_SN,
                        EcKeys.raw(signerPub));
        X509Certificate w =
                (X509Certificate)
                        CertificateFactory.getInstance("X.509")
                                .generateCertificate(new java.io.ByteArrayInputStream(wrong));
        assertThatThrownBy(() -> w.verify(signerPub))
                .isInstanceOf(java.security.SignatureException.class);
    }

    @Test
    void configTemplateOwnsSlotAndKeyConfigs() {
        ConfigTemplate t = ConfigTemplate.load(ConfigTemplate.DEFAULT);
        assertThat(t.deviceCertSlot()).isEqualTo(10);
        assertThat(t.signerPublicKeySlot()).isEqualTo(11);
        assertThat(t.signerCertSlot()).isEqualTo(12);
        byte[] fresh = new byte[128];
        fresh[86] = 0x55;
        fresh[87] = 0x55;
        byte[] applied = t.apply(fresh);
        assertThat(t.differences(applied)).isEmpty();
        assertThat(t.differences(fresh))
                .isNotEmpty()
                .anySatisfy(d -> assertThat(d).startsWith("slot 0 SlotConfig 0000"));
        applied[20] ^= 1;
        assertThat(t.differences(applied))
                .containsExactly("slot 0 SlotConfig 0082 (template 0083)");
    }
}
