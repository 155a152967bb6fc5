package dev.meerkat.signing;

import dev.meerkat.cli.remote.JwtMinter;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A small PKI for TLS tests: a CA, a server certificate for 127.0.0.1 and client certificates. */
public final class TestPki {
    public static final String P12_PASSWORD = "changeit";
    private final Path dir;
    private final KeyPair caKeys;
    private final X509Certificate ca;

    public TestPki(Path dir, String caName) {
        this.dir = dir;
        this.caKeys = ecKeys();
        this.ca = issue("CN=" + caName, caKeys, caKeys, null, true, false);
    }

    public Path caPem() throws Exception {
        return writePem(dir.resolve("ca.pem"), "CERTIFICATE", ca.getEncoded());
    }

    /** Writes server.pem and server-key.pem for 127.0.0.1; returns {cert, key}. */
    public Path[] server() throws Exception {
        KeyPair k = ecKeys();
        X509Certificate c = issue("CN=127.0.0.1", k, caKeys, ca, false, true);
        return new Path[] {
            writePem(dir.resolve("server.pem"), "CERTIFICATE", c.getEncoded()),
            writePem(dir.resolve("server-key.pem"), "PRIVATE KEY", k.getPrivate().getEncoded())
        };
    }

    /** A PKCS#12 client key store with a certificate for {@code cn}. */
    public Path client(String cn) throws Exception {
        KeyPair k = ecKeys();
        X509Certificate c = issue("CN=" + cn, k, caKeys, ca, false, false);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry(
                "client", k.getPrivate(), P12_PASSWORD.toCharArray(), new Certificate[] {c, ca});
        Path p = dir.resolve(cn + ".p12");
        try (OutputStream out = Files.newOutputStream(p)) {
            ks.store(out, P12_PASSWORD.toCharArray());
        }
        return p;
    }

    private static KeyPair ecKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate issue(
            String subject,
            KeyPair subjectKeys,
            KeyPair issuerKeys,
            X509Certificate issuer,
            boolean isCa,
            boolean serverIp) {
        try {
            Instant now = Instant.now();
            X500Name issuerName =
                    issuer == null
                            ? new X500Name(subject)
                            : new X500Name(issuer.getSubjectX500Principal().getName());
            JcaX509v3CertificateBuilder b =
                    new JcaX509v3CertificateBuilder(
                            issuerName,
                            BigInteger.valueOf(now.toEpochMilli() ^ subject.hashCode()),
                            Date.from(now.minus(1, ChronoUnit.HOURS)),
                            Date.from(now.plus(2, ChronoUnit.DAYS)),
                            new X500Name(subject),
                            subjectKeys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            if (serverIp) {
                b.addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
            }
            return new JcaX509CertificateConverter()
                    .getCertificate(
                            b.build(
                                    new JcaContentSignerBuilder("SHA256withECDSA")
                                            .build(issuerKeys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path writePem(Path p, String type, byte[] der) throws IOException {
        Files.writeString(p, JwtMinter.pem(type, der), StandardCharsets.US_ASCII);
        return p;
    }
}
