package dev.meerkat.fleet.protocol;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS context the service's MQTT clients connect to a broker with: the broker's CA (a PEM file,
 * else the JDK's trust store) and the service's own client certificate (PKCS#12) for brokers that
 * require one.
 */
public final class BrokerTls {

    private BrokerTls() {}

    public static SSLContext context(
            Optional<Path> caFile, Optional<Path> clientP12, Optional<String> clientP12Password)
            throws GeneralSecurityException, java.io.IOException {
        TrustManagerFactory tmf = null;
        if (caFile.isPresent()) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (InputStream in = Files.newInputStream(caFile.get())) {
                int i = 0;
                for (Certificate cert :
                        CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    trust.setCertificateEntry("ca" + i++, cert);
                }
            }
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
        }
        KeyManagerFactory kmf = null;
        if (clientP12.isPresent()) {
            char[] pw = clientP12Password.orElse("").toCharArray();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(clientP12.get())) {
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
    }
}
