package dev.meerkat.cli.device;

import dev.meerkat.cli.io.CliException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * The TLS context of a connection to a device or broker, from PEM files as curl and mosquitto_pub
 * take them: {@code --ca-cert} (the CAs to trust; the system's when absent), {@code --cert} (the
 * client certificate chain) and {@code --key} (its private key: PKCS#8, SEC1 or PKCS#1,
 * unencrypted).
 */
public final class ClientTls {

    private ClientTls() {}

    static SSLContext context(Path caCert, Path cert, Path key) {
        if ((cert == null) != (key == null)) {
            throw CliException.usage("--cert and --key go together");
        }
        try {
            TrustManagerFactory tmf = null;
            if (caCert != null) {
                KeyStore ts = KeyStore.getInstance("PKCS12");
                ts.load(null, null);
                int i = 0;
                for (Certificate c : certificates(caCert, "--ca-cert")) {
                    ts.setCertificateEntry("ca" + i++, c);
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ts);
            }
            KeyManagerFactory kmf = null;
            if (cert != null) {
                char[] pass = "client".toCharArray();
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry(
                        "client",
                        privateKey(key),
                        pass,
                        certificates(cert, "--cert").toArray(new Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, pass);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(
                    kmf == null ? null : kmf.getKeyManagers(),
                    tmf == null ? null : tmf.getTrustManagers(),
                    null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw CliException.usage("TLS files: " + e.getMessage());
        } catch (IOException e) {
            throw new CliException(
                    dev.meerkat.cli.io.ExitCode.IO, "I/O error: " + e.getMessage(), e);
        }
    }

    /** The PEM certificates in {@code file} (at least one). */
    public static Collection<? extends Certificate> certificates(Path file, String option)
            throws IOException, GeneralSecurityException {
        Collection<? extends Certificate> certs;
        try (var in = Files.newInputStream(file)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        if (certs.isEmpty()) {
            throw CliException.usage(option + " " + file + ": no PEM certificate in it");
        }
        return certs;
    }

    /** The unencrypted PEM private key in {@code file}. */
    public static PrivateKey privateKey(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file);
                PEMParser p = new PEMParser(r)) {
            Object o = p.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair kp) {
                return conv.getKeyPair(kp).getPrivate();
            }
            if (o instanceof PrivateKeyInfo info) {
                return conv.getPrivateKey(info);
            }
            throw CliException.usage("--key " + file + ": not an unencrypted PEM private key");
        }
    }
}
