package dev.meerkat.chip.jca;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.chip.Crc16;
import dev.meerkat.chip.CryptoChip;
import dev.meerkat.chip.DeviceType;
import dev.meerkat.chip.Hex;
import dev.meerkat.chip.emulator.EmulatedChip;
import dev.meerkat.chip.emulator.EmulatorTransport;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Security;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.crypto.KeyAgreement;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TLS client authentication where the client's private key lives in slot 0 of an emulated ATECC608.
 */
class ChipTlsClientAuthTest {
    private static final ChipProvider PROVIDER = new ChipProvider();
    private static CryptoChip chip;
    private static ChipPrivateKey chipKey;
    private static KeyPair caKeys;
    private static X509Certificate caCert;

    @BeforeAll
    static void setUp() throws Exception {
        Security.addProvider(PROVIDER);
        EmulatedChip emu =
                new EmulatedChip(
                        DeviceType.ATECC608, Hex.parse("0123AABBCCDDEEFFEE"), new SecureRandom());
        chip =
                new CryptoChip(
                        new EmulatorTransport(emu),
                        DeviceType.ATECC608,
                        3,
                        CryptoChip.Wait.POLL,
                        ms -> {});
        byte[] config = chip.readConfigZone();
        config[20] = (byte) 0x87; // slot 0: ext+int sign, ECDH, secret
        config[21] = 0x20; // GenKey allowed
        config[96] = 0x33; // private P-256, lockable
        chip.writeConfigZone(config);
        chip.lockConfig();
        chip.genKey(0);
        chip.lockData(Crc16.compute(emu.dataZoneImage()));
        chipKey = ChipPrivateKey.of(chip, 0);
        caKeys = ecKeyPair();
        caCert =
                certificate(
                        "CN=Meerkat Test Device CA",
                        caKeys.getPublic(),
                        "CN=Meerkat Test Device CA",
                        caKeys.getPrivate(),
                        true,
                        null);
    }

    @AfterAll
    static void tearDown() {
        Security.removeProvider(ChipProvider.NAME);
    }

    private static KeyPair ecKeyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509Certificate certificate(
            String subject,
            PublicKey key,
            String issuer,
            PrivateKey issuerKey,
            boolean ca,
            KeyPurposeId purpose)
            throws Exception {
        Date now = new Date();
        JcaX509v3CertificateBuilder b =
                new JcaX509v3CertificateBuilder(
                        new X500Name(issuer),
                        new BigInteger(64, new SecureRandom()),
                        new Date(now.getTime() - 60_000),
                        new Date(now.getTime() + 86_400_000L),
                        new X500Name(subject),
                        key);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (purpose != null)
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        if (purpose == KeyPurposeId.id_kp_serverAuth) {
            b.addExtension(
                    Extension.subjectAlternativeName,
                    false,
                    new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
        }
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey);
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }

    @Test
    void signaturesFromTheChipVerifyInSoftware() throws Exception {
        for (String alg : new String[] {"SHA256withECDSA", "NONEwithECDSA"}) {
            Signature s = Signature.getInstance(alg);
            s.initSign(chipKey);
            assertThat(s.getProvider().getName()).isEqualTo(ChipProvider.NAME);
            byte[] msg = alg.startsWith("NONE") ? new byte[32] : "hello".getBytes();
            s.update(msg);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(chipKey.publicKey());
            v.update(msg);
            assertThat(v.verify(sig)).as(alg).isTrue();
        }
    }

    @Test
    void ecdhKeyAgreementMatchesSoftware() throws Exception {
        KeyPair peer = ecKeyPair();
        KeyAgreement chipSide = KeyAgreement.getInstance("ECDH");
        chipSide.init(chipKey);
        assertThat(chipSide.getProvider().getName()).isEqualTo(ChipProvider.NAME);
        chipSide.doPhase(peer.getPublic(), true);
        KeyAgreement softSide = KeyAgreement.getInstance("ECDH");
        softSide.init(peer.getPrivate());
        softSide.doPhase(chipKey.publicKey(), true);
        assertThat(chipSide.generateSecret()).containsExactly(softSide.generateSecret());
    }

    @Test
    void csrSignedInsideTheChip() throws Exception {
        String cn = Hex.format(chip.serialNumber());
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(chipKey);
        PKCS10CertificationRequest csr =
                new JcaPKCS10CertificationRequestBuilder(
                                new X500Name("CN=" + cn), chipKey.publicKey())
                        .build(signer);
        assertThat(
                        csr.isSignatureValid(
                                new JcaContentVerifierProviderBuilder().build(chipKey.publicKey())))
                .isTrue();
        assertThat(csr.getSubject().toString()).isEqualTo("CN=" + cn);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void tlsClientAuthenticationWithTheChipKey(String protocol) throws Exception {
        KeyPair serverKeys = ecKeyPair();
        X509Certificate serverCert =
                certificate(
                        "CN=127.0.0.1",
                        serverKeys.getPublic(),
                        "CN=Meerkat Test Device CA",
                        caKeys.getPrivate(),
                        false,
                        KeyPurposeId.id_kp_serverAuth);
        String deviceCn = Hex.format(chip.serialNumber());
        X509Certificate deviceCert =
                certificate(
                        "CN=" + deviceCn,
                        chipKey.publicKey(),
                        "CN=Meerkat Test Device CA",
                        caKeys.getPrivate(),
                        false,
                        KeyPurposeId.id_kp_clientAuth);

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", caCert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);

        KeyStore serverStore = KeyStore.getInstance("PKCS12");
        serverStore.load(null, null);
        serverStore.setKeyEntry(
                "server",
                serverKeys.getPrivate(),
                "pw".toCharArray(),
                new X509Certificate[] {serverCert, caCert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(serverStore, "pw".toCharArray());
        SSLContext serverCtx = SSLContext.getInstance("TLS");
        serverCtx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

        SSLContext clientCtx = SSLContext.getInstance("TLS");
        clientCtx.init(
                new X509ExtendedKeyManager[] {
                    new ChipKeyManager(chipKey, List.of(deviceCert, caCert))
                },
                tmf.getTrustManagers(),
                null);

        try (SSLServerSocket server =
                (SSLServerSocket)
                        serverCtx
                                .getServerSocketFactory()
                                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            server.setNeedClientAuth(true);
            server.setEnabledProtocols(new String[] {protocol});
            CompletableFuture<String> seen =
                    CompletableFuture.supplyAsync(
                            () -> {
                                try (SSLSocket s = (SSLSocket) server.accept()) {
                                    BufferedReader in =
                                            new BufferedReader(
                                                    new InputStreamReader(
                                                            s.getInputStream(),
                                                            StandardCharsets.UTF_8));
                                    String line = in.readLine();
                                    Principal peer = s.getSession().getPeerPrincipal();
                                    PrintWriter out =
                                            new PrintWriter(
                                                    s.getOutputStream(),
                                                    true,
                                                    StandardCharsets.UTF_8);
                                    out.println("hello " + peer.getName());
                                    return line
                                            + "|"
                                            + peer.getName()
                                            + "|"
                                            + s.getSession().getProtocol();
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                            });
            try (SSLSocket client =
                    (SSLSocket)
                            clientCtx
                                    .getSocketFactory()
                                    .createSocket(
                                            InetAddress.getLoopbackAddress(),
                                            server.getLocalPort())) {
                client.setEnabledProtocols(new String[] {protocol});
                client.startHandshake();
                PrintWriter out =
                        new PrintWriter(client.getOutputStream(), true, StandardCharsets.UTF_8);
                out.println("ping");
                BufferedReader in =
                        new BufferedReader(
                                new InputStreamReader(
                                        client.getInputStream(), StandardCharsets.UTF_8));
                assertThat(in.readLine()).isEqualTo("hello CN=" + deviceCn);
            }
            assertThat(seen.get(30, TimeUnit.SECONDS))
                    .isEqualTo("ping|CN=" + deviceCn + "|" + protocol);
        }
    }
}
