package dev.meerkat.signing.pki;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.chip.CryptoChip;
import dev.meerkat.chip.DeviceType;
import dev.meerkat.chip.emulator.EmulatedChip;
import dev.meerkat.chip.emulator.EmulatorTransport;
import dev.meerkat.chip.emulator.StateFile;
import dev.meerkat.chip.jca.ChipPrivateKey;
import dev.meerkat.chip.provisioning.ConfigTemplate;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.provision.Provisioner;
import dev.meerkat.cli.remote.RemoteClient;
import dev.meerkat.signing.Cli;
import dev.meerkat.signing.PostgresHsmResource;
import dev.meerkat.signing.TestPki;
import dev.meerkat.signing.TestTokens;
import dev.meerkat.signing.security.Roles;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Factory provisioning end to end: emulated ATECC608 chips, the meerkat CLI as the station (mutual
 * TLS as factory-station), the service on PostgreSQL with its CA keys in SoftHSM2; then openssl
 * checks the certificates, the CRL and OCSP, and the chip-held key authenticates a TLS client.
 */
@QuarkusTest
@WithTestResource(PostgresHsmResource.class)
class ProvisioningEndToEndTest {
    static final String ADMIN = TestTokens.token("pki-e2e-admin", Roles.ADMIN);
    static final String STATION = TestTokens.token("station-9", Roles.FACTORY_STATION);
    static final int CHIPS = 20;

    @TestHTTPResource(value = "/", tls = true)
    URL https;

    @TestHTTPResource("/")
    URL http;

    private static boolean hierarchyMade;

    @BeforeEach
    void hierarchy() {
        if (hierarchyMade) return;
        hierarchyMade = true;
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"backend\":\"pkcs11\"}")
                .post("/api/v1/pki/root")
                .then()
                .statusCode(201);
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"backend\":\"pkcs11\",\"signerId\":1}")
                .post("/api/v1/pki/issuing-ca")
                .then()
                .statusCode(201);
    }

    private String[] stationArgs(Path log) throws Exception {
        Path pki = Path.of("target", "service-pg", "pki").toAbsolutePath();
        return new String[] {
            "--service",
            https.toString(),
            "--client-p12",
            PostgresHsmResource.clientCertificate("station-1").toString(),
            "--client-p12-password",
            TestPki.P12_PASSWORD,
            "--ca",
            pki.resolve("ca.pem").toString(),
            "--log",
            log.toString()
        };
    }

    private static String[] concat(List<String> a, String... b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    static String openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p =
                new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return "exit " + p.exitValue() + "\n" + out;
    }

    @Test
    void manyChipsProvisionedThenCheckedWithOpenssl(@TempDir Path tmp) throws Exception {
        List<String> args = new ArrayList<>(List.of("provision", "--parallel", "4"));
        for (int i = 0; i < CHIPS; i++)
            args.addAll(List.of("--chip", "emulator:" + tmp.resolve("chip" + i + ".state")));
        Path log = tmp.resolve("station.jsonl");
        Cli.Result r = Cli.run(null, concat(args, stationArgs(log)));
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out().lines().filter(l -> l.contains(" provisioned: certificate ")))
                .hasSize(CHIPS);
        List<String> records = Files.readAllLines(log);
        assertThat(records)
                .hasSize(CHIPS)
                .allSatisfy(
                        l -> assertThat(l).contains("\"fingerprint\"").contains("\"lock-data\""));

        // Running the station again changes nothing and records nothing.
        Cli.Result again = Cli.run(null, concat(args, stationArgs(log)));
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(again.out().lines().filter(l -> l.contains("already provisioned")))
                .hasSize(CHIPS);
        assertThat(Files.readAllLines(log)).hasSize(CHIPS);

        // openssl verifies every device certificate against the CA chain.
        String chain = given().get("/api/v1/pki/ca").then().statusCode(200).extract().asString();
        List<String> pems = new ArrayList<>();
        for (String part : chain.split("(?<=-----END CERTIFICATE-----\n)"))
            if (part.contains("BEGIN")) pems.add(part);
        Files.writeString(tmp.resolve("issuing.pem"), pems.get(0));
        Files.writeString(tmp.resolve("root.pem"), pems.get(1));
        Files.writeString(tmp.resolve("chain.pem"), pems.get(0) + pems.get(1));
        List<String> verify =
                new ArrayList<>(
                        List.of(
                                "verify",
                                "-CAfile",
                                "root.pem",
                                "-untrusted",
                                "issuing.pem",
                                "-purpose",
                                "sslclient"));
        List<String> serials = new ArrayList<>();
        for (int i = 0; i < CHIPS; i++) {
            EmulatedChip emu = StateFile.read(tmp.resolve("chip" + i + ".state"));
            String sn = HexFormat.of().withUpperCase().formatHex(emu.serialNumber());
            List<Map<String, Object>> inv =
                    given().auth()
                            .oauth2(STATION)
                            .get("/api/v1/pki/certs?serial=" + sn)
                            .then()
                            .statusCode(200)
                            .extract()
                            .as(List.class);
            assertThat(inv).hasSize(1);
            Files.writeString(
                    tmp.resolve("dev" + i + ".pem"), inv.get(0).get("certificate").toString());
            serials.add(inv.get(0).get("serial").toString());
            verify.add("dev" + i + ".pem");
        }
        String verified = openssl(tmp, verify.toArray(String[]::new));
        assertThat(verified).startsWith("exit 0");
        assertThat(verified.lines().filter(l -> l.endsWith(": OK"))).hasSize(CHIPS);

        // Revoke one: the CRL lists it and OCSP (openssl as the client) says revoked; another is
        // good.
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"reason\":\"keyCompromise\"}")
                .post("/api/v1/pki/certs/" + serials.get(3) + "/revoke")
                .then()
                .statusCode(200);
        Files.write(
                tmp.resolve("crl.der"),
                given().get("/api/v1/pki/crl").then().statusCode(200).extract().asByteArray());
        String crl = openssl(tmp, "crl", "-inform", "DER", "-in", "crl.der", "-noout", "-text");
        assertThat(crl)
                .contains("Serial Number: " + serials.get(3))
                .doesNotContain("Serial Number: " + serials.get(4));
        assertThat(
                        openssl(
                                tmp,
                                "crl",
                                "-inform",
                                "DER",
                                "-in",
                                "crl.der",
                                "-noout",
                                "-CAfile",
                                "chain.pem"))
                .contains("verify OK");
        String ocspUrl = http + "api/v1/pki/ocsp";
        String revoked =
                openssl(
                        tmp,
                        "ocsp",
                        "-issuer",
                        "issuing.pem",
                        "-cert",
                        "dev3.pem",
                        "-cert",
                        "dev4.pem",
                        "-url",
                        ocspUrl,
                        "-CAfile",
                        "chain.pem");
        assertThat(revoked)
                .contains("Response verify OK")
                .contains("dev3.pem: revoked")
                .contains("dev4.pem: good");
        String ocsp =
                openssl(
                        tmp,
                        "verify",
                        "-crl_check",
                        "-CRLfile",
                        "crl.der",
                        "-CAfile",
                        "root.pem",
                        "-untrusted",
                        "issuing.pem",
                        "dev3.pem");
        assertThat(ocsp).contains("certificate revoked");

        // TLS client authentication with the key that never left chip 0.
        EmulatedChip emu = StateFile.read(tmp.resolve("chip0.state"));
        CryptoChip chip =
                new CryptoChip(
                        new EmulatorTransport(emu),
                        DeviceType.ATECC608,
                        3,
                        CryptoChip.Wait.POLL,
                        ms -> {});
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        X509Certificate device =
                (X509Certificate)
                        cf.generateCertificate(Files.newInputStream(tmp.resolve("dev0.pem")));
        X509Certificate issuing =
                (X509Certificate)
                        cf.generateCertificate(new ByteArrayInputStream(pems.get(0).getBytes()));
        X509Certificate root =
                (X509Certificate)
                        cf.generateCertificate(new ByteArrayInputStream(pems.get(1).getBytes()));
        String peer =
                tlsClientAuth(
                        ChipPrivateKey.of(chip, 0), new X509Certificate[] {device, issuing}, root);
        assertThat(peer)
                .contains("CN=" + HexFormat.of().withUpperCase().formatHex(emu.serialNumber()));
    }

    @Test
    void interruptedAtAnyCommandResumes(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("resume.jsonl");
        RemoteClient client = new RemoteClient(http.toString(), STATION, null);
        Provisioner station = new Provisioner(client, ConfigTemplate.load(ConfigTemplate.DEFAULT));
        // A clean run counts the chip commands one provisioning takes.
        EmulatedChip probe =
                StateFile.openOrCreate(tmp.resolve("probe.state"), DeviceType.ATECC608);
        long total = station.provision(chip("probe", probe)).commands();
        assertThat(total).isGreaterThan(40);
        int resumed = 0;
        for (int k = 0; k < total; k += 4) {
            Path state = tmp.resolve("cut" + k + ".state");
            EmulatedChip emu = StateFile.openOrCreate(state, DeviceType.ATECC608);
            emu.faults().powerLossAfter(k);
            boolean failed = false;
            try {
                station.provision(chip("cut" + k, emu));
            } catch (CliException e) {
                failed = true;
                assertThat(e.getMessage()).contains("run again to resume");
            }
            assertThat(failed).as("power lost after %d commands", k).isTrue();
            // The station re-runs on the power-cycled chip, as it is on disk.
            Cli.Result r =
                    Cli.run(
                            STATION,
                            "provision",
                            "--chip",
                            "emulator:" + state,
                            "--service",
                            http.toString(),
                            "--log",
                            log.toString());
            assertThat(r.exit()).as("resume after %d commands: %s", k, r).isZero();
            resumed++;
        }
        assertThat(Files.readAllLines(log)).hasSize(resumed);

        // Service down: the preflight stops before any chip step; the next run with the service up
        // completes it.
        Path state = tmp.resolve("offline.state");
        Cli.Result down =
                Cli.run(
                        STATION,
                        "provision",
                        "--chip",
                        "emulator:" + state,
                        "--service",
                        "http://127.0.0.1:9",
                        "--log",
                        log.toString());
        assertThat(down.exit()).as(down.toString()).isEqualTo(3);
        assertThat(down.err())
                .contains("preflight, before any chip step")
                .contains("cannot connect");
        assertThat(Files.exists(state)).isFalse();
        Cli.Result up =
                Cli.run(
                        STATION,
                        "provision",
                        "--chip",
                        "emulator:" + state,
                        "--service",
                        http.toString(),
                        "--log",
                        log.toString());
        assertThat(up.exit()).as(up.toString()).isZero();
        assertThat(up.out()).contains(" provisioned: ");
    }

    @Test
    void chipLockedWithForeignConfigIsRefused(@TempDir Path tmp) throws Exception {
        Path state = tmp.resolve("foreign.state");
        EmulatedChip emu = StateFile.openOrCreate(state, DeviceType.ATECC608);
        CryptoChip c = chip("foreign", emu).driver();
        byte[] config = ConfigTemplate.load(ConfigTemplate.DEFAULT).apply(c.readConfigZone());
        config[20 + 2 * 5] = 0x00; // slot 5 readable in clear: not our layout
        config[20 + 2 * 5 + 1] = 0x00;
        c.writeConfigZone(config);
        c.lockConfig();
        Cli.Result r =
                Cli.run(
                        STATION,
                        "provision",
                        "--chip",
                        "emulator:" + state,
                        "--service",
                        http.toString(),
                        "--log",
                        tmp.resolve("log.jsonl").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err())
                .contains("locked with a foreign configuration")
                .contains("slot 5 SlotConfig 0000 (template 8080)");
        assertThat(Files.exists(tmp.resolve("log.jsonl"))).isFalse();
    }

    private static Provisioner.Chip chip(String label, EmulatedChip emu) {
        emu.powerCycle();
        return new Provisioner.Chip(
                label,
                new CryptoChip(
                        new EmulatorTransport(emu), emu.type(), 3, CryptoChip.Wait.POLL, ms -> {}),
                emu);
    }

    /** A TLS server that trusts the device root; returns the client principal it saw. */
    private static String tlsClientAuth(
            ChipPrivateKey key, X509Certificate[] chain, X509Certificate deviceRoot)
            throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair serverKeys = g.generateKeyPair();
        Instant now = Instant.now();
        X509Certificate serverCert =
                new JcaX509CertificateConverter()
                        .getCertificate(
                                new JcaX509v3CertificateBuilder(
                                                new X500Name("CN=127.0.0.1"),
                                                BigInteger.valueOf(
                                                        new SecureRandom().nextInt(1 << 30)),
                                                Date.from(now.minus(1, ChronoUnit.HOURS)),
                                                Date.from(now.plus(1, ChronoUnit.DAYS)),
                                                new X500Name("CN=127.0.0.1"),
                                                serverKeys.getPublic())
                                        .build(
                                                new JcaContentSignerBuilder("SHA256withECDSA")
                                                        .build(serverKeys.getPrivate())));
        KeyStore serverStore = KeyStore.getInstance("PKCS12");
        serverStore.load(null, null);
        serverStore.setKeyEntry(
                "server",
                serverKeys.getPrivate(),
                "pw".toCharArray(),
                new X509Certificate[] {serverCert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(serverStore, "pw".toCharArray());
        SSLContext serverCtx = SSLContext.getInstance("TLS");
        serverCtx.init(kmf.getKeyManagers(), trust(deviceRoot).getTrustManagers(), null);
        SSLContext clientCtx = SSLContext.getInstance("TLS");
        clientCtx.init(
                new X509ExtendedKeyManager[] {new ChipKeyManager(key, chain)},
                trust(serverCert).getTrustManagers(),
                null);
        try (SSLServerSocket server =
                (SSLServerSocket)
                        serverCtx
                                .getServerSocketFactory()
                                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            server.setNeedClientAuth(true);
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
                                    new PrintWriter(
                                                    s.getOutputStream(),
                                                    true,
                                                    StandardCharsets.UTF_8)
                                            .println("ok");
                                    return line + " " + s.getSession().getPeerPrincipal().getName();
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
                client.startHandshake();
                new PrintWriter(client.getOutputStream(), true, StandardCharsets.UTF_8)
                        .println("hello");
                assertThat(
                                new BufferedReader(
                                                new InputStreamReader(
                                                        client.getInputStream(),
                                                        StandardCharsets.UTF_8))
                                        .readLine())
                        .isEqualTo("ok");
            }
            String s = seen.get(30, TimeUnit.SECONDS);
            assertThat(s).startsWith("hello ");
            return s;
        }
    }

    private static TrustManagerFactory trust(X509Certificate cert) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        return tmf;
    }

    /** Presents the chip key and its certificate chain for EC client authentication. */
    static final class ChipKeyManager extends X509ExtendedKeyManager {
        private final ChipPrivateKey key;
        private final X509Certificate[] chain;

        ChipKeyManager(ChipPrivateKey key, X509Certificate[] chain) {
            this.key = key;
            this.chain = chain;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return "EC".equals(keyType) ? new String[] {"chip"} : null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            for (String t : keyType) if ("EC".equals(t)) return "chip";
            return null;
        }

        @Override
        public String chooseEngineClientAlias(
                String[] keyType, Principal[] issuers, SSLEngine engine) {
            return chooseClientAlias(keyType, issuers, null);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return "chip".equals(alias) ? chain.clone() : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return "chip".equals(alias) ? key : null;
        }
    }
}
