package dev.meerkat.cloud.aws.broker;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
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
 * A throwaway device CA with server and device certificates (EC P-256), made with Bouncy Castle.
 */
public final class TestPki {

    public record Issued(KeyPair keys, X509Certificate cert) {
        public String certPem() {
            return pem(cert);
        }

        public String keyPem() {
            return "-----BEGIN PRIVATE KEY-----\n"
                    + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'})
                            .encodeToString(keys.getPrivate().getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
        }
    }

    private final AtomicLong serials = new AtomicLong(System.currentTimeMillis());
    public final Issued ca;

    public TestPki() throws Exception {
        KeyPair k = ec();
        X500Name name = new X500Name("CN=Meerkat Test Device CA");
        JcaX509v3CertificateBuilder b =
                new JcaX509v3CertificateBuilder(name, serial(), from(), to(), name, k.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(
                Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        ca = new Issued(k, sign(b, k));
    }

    /**
     * A device certificate for a public key whose private half lives elsewhere (e.g. in a chip).
     */
    public X509Certificate issueFor(String cn, java.security.PublicKey key) throws Exception {
        JcaX509v3CertificateBuilder b =
                new JcaX509v3CertificateBuilder(
                        ca.cert(), serial(), from(), to(), new X500Name("CN=" + cn), key);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        return sign(b, ca.keys());
    }

    public Issued issue(String cn, boolean server) throws Exception {
        KeyPair k = ec();
        JcaX509v3CertificateBuilder b =
                new JcaX509v3CertificateBuilder(
                        ca.cert(), serial(), from(), to(), new X500Name("CN=" + cn), k.getPublic());
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

    private BigInteger serial() {
        return BigInteger.valueOf(serials.incrementAndGet());
    }

    private static Date from() {
        return new Date(System.currentTimeMillis() - 3600_000L);
    }

    private static Date to() {
        return new Date(System.currentTimeMillis() + 86_400_000L);
    }

    /**
     * An in-memory key store holding one issued key and certificate chain, for an SSL socket
     * factory.
     */
    public javax.net.ssl.SSLSocketFactory clientSocketFactory(Issued client) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] pw = "changeit".toCharArray();
        ks.setKeyEntry(
                "client",
                client.keys().getPrivate(),
                pw,
                new java.security.cert.Certificate[] {client.cert(), ca.cert()});
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, pw);
        java.security.KeyStore ts = java.security.KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", ca.cert());
        javax.net.ssl.TrustManagerFactory tmf =
                javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(ts);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLSv1.2");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx.getSocketFactory();
    }

    public static String pem(Object o) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return w.toString();
    }
}
