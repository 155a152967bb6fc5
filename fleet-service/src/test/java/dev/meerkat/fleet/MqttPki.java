package dev.meerkat.fleet;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
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
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway device PKI for the broker (EC P-256, Bouncy Castle): a CA that issues the broker's
 * server certificate, the fleet service's client certificate and device certificates whose CN is
 * the device id, as the factory's provisioning does.
 */
public final class MqttPki {

    /** A key and the certificate issued for it. */
    public record Issued(KeyPair keys, X509Certificate cert) {}

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** The fleet's device CA (the broker trusts it). */
    public static final MqttPki FLEET = new MqttPki("Meerkat Test Fleet CA");

    /** Another CA, which the broker does not trust. */
    public static final MqttPki STRANGER = new MqttPki("Someone Else's CA");

    public final Issued ca;

    private MqttPki(String name) {
        try {
            KeyPair k = ec();
            X500Name n = new X500Name("CN=" + name);
            JcaX509v3CertificateBuilder b =
                    new JcaX509v3CertificateBuilder(n, serial(), from(), to(), n, k.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(
                    Extension.keyUsage,
                    true,
                    new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            ca = new Issued(k, sign(b, k));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A certificate with {@code CN=<cn>}; a server one names 127.0.0.1 and localhost. */
    public Issued issue(String cn, boolean server) {
        try {
            KeyPair k = ec();
            JcaX509v3CertificateBuilder b =
                    new JcaX509v3CertificateBuilder(
                            ca.cert(),
                            serial(),
                            from(),
                            to(),
                            new X500Name("CN=" + cn),
                            k.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            if (server) {
                b.addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(
                                new GeneralName[] {
                                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                                    new GeneralName(GeneralName.dNSName, "localhost")
                                }));
            }
            return new Issued(k, sign(b, ca.keys()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The CA certificate as PEM. */
    public String caPem() {
        return pem(ca.cert());
    }

    /** Writes {@code id} as PKCS#12 (password {@code password}), owner-only. */
    public static void writeP12(Issued id, Path file, char[] password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("key", id.keys().getPrivate(), password, new Certificate[] {id.cert()});
        Files.deleteIfExists(file);
        Files.createFile(
                file,
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, password);
        }
    }

    /** A TLS client context presenting {@code id} and trusting the fleet CA. */
    public static SSLContext clientTls(Issued id) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry(
                "k", id.keys().getPrivate(), "x".toCharArray(), new Certificate[] {id.cert()});
        KeyManagerFactory kmf =
                KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "x".toCharArray());
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", FLEET.ca.cert());
        TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    static String pem(Object o) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w.toString();
    }

    /** The private key as PKCS#8 PEM. */
    static String keyPem(Issued id) {
        return "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'})
                        .encodeToString(id.keys().getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    static void writeString(Path p, String s) throws IOException {
        Files.writeString(p, s, StandardCharsets.US_ASCII);
    }

    private static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair signer)
            throws Exception {
        return new JcaX509CertificateConverter()
                .getCertificate(
                        b.build(
                                new JcaContentSignerBuilder("SHA256withECDSA")
                                        .build(signer.getPrivate())));
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static Date from() {
        return new Date(System.currentTimeMillis() - 3600_000L);
    }

    private static Date to() {
        return new Date(System.currentTimeMillis() + 86_400_000L);
    }
}
