package dev.meerkat.firmware;

import dev.meerkat.firmware.crypto.SecureElement;
import dev.meerkat.firmware.device.Network;
import dev.meerkat.firmware.fs.FileStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The emulated board's network interface: host sockets, CA files from the file store, injected
 * drops.
 */
final class BoardNetwork implements Network {

    private final FileStore files;
    private final SecureElement secureElement;
    private final FaultInjection faults;

    BoardNetwork(FileStore files, SecureElement secureElement, FaultInjection faults) {
        this.files = files;
        this.secureElement = secureElement;
        this.faults = faults;
    }

    @Override
    public SSLContext tlsContext(String caFile, boolean clientAuth)
            throws GeneralSecurityException, IOException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        TrustManagerFactory tmf = null;
        if (caFile != null && !caFile.isEmpty()) {
            byte[] pem =
                    files.read(caFile)
                            .orElseThrow(() -> new IOException("CA file " + caFile + " missing"));
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            int i = 0;
            for (var c :
                    CertificateFactory.getInstance("X.509")
                            .generateCertificates(new ByteArrayInputStream(pem))) {
                ts.setCertificateEntry("ca" + i++, (X509Certificate) c);
            }
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
        }
        ctx.init(
                clientAuth ? secureElement.tlsKeyManagers() : null,
                tmf == null ? null : tmf.getTrustManagers(),
                null);
        return ctx;
    }

    @Override
    public HttpURLConnection openHttp(String url, String caFile) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(10000);
        c.setUseCaches(false);
        if (c instanceof HttpsURLConnection s && caFile != null && !caFile.isEmpty()) {
            try {
                s.setSSLSocketFactory(tlsContext(caFile, false).getSocketFactory());
            } catch (GeneralSecurityException e) {
                throw new IOException(e);
            }
        }
        return c;
    }

    @Override
    public InputStream download(InputStream body) {
        return faults.download(body);
    }
}
