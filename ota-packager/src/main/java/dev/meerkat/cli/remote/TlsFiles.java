package dev.meerkat.cli.remote;

import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The host's TLS context for talking to Meerkat services: trusted CAs from a PEM file, a client key
 * from PKCS#12.
 */
public final class TlsFiles {

    private TlsFiles() {}

    /**
     * A TLS context trusting the certificates in {@code caPem} (the JDK's CAs when null) and
     * presenting the key in {@code p12} (none when null); null when both are null.
     *
     * @param password the PKCS#12 password (empty when null)
     */
    public static SSLContext context(Path caPem, Path p12, char[] password) {
        if (caPem == null && p12 == null) return null;
        try {
            TrustManagerFactory tmf = null;
            if (caPem != null) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                try (InputStream in = Files.newInputStream(caPem)) {
                    int i = 0;
                    for (Certificate c :
                            CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        trust.setCertificateEntry("ca" + i++, c);
                    }
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (p12 != null) {
                char[] pw = password == null ? new char[0] : password;
                KeyStore ks = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(p12)) {
                    ks.load(in, pw);
                }
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, pw);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(
                    kmf == null ? null : kmf.getKeyManagers(),
                    tmf == null ? null : tmf.getTrustManagers(),
                    null);
            return ctx;
        } catch (IOException e) {
            throw new CliException(ExitCode.IO, "cannot read TLS material: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new CliException(ExitCode.USAGE, "unusable TLS material: " + e.getMessage(), e);
        }
    }
}
