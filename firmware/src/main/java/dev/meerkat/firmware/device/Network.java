package dev.meerkat.firmware.device;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;

/** The board's network interface as the firmware sees it. */
public interface Network {

    /**
     * TLS context trusting the CA certificates in file {@code caFile} of the file store (the JDK's
     * CAs when empty), presenting the device certificate when {@code clientAuth}.
     */
    SSLContext tlsContext(String caFile, boolean clientAuth)
            throws GeneralSecurityException, IOException;

    /** Opens an HTTP(S) connection for a download, trusting {@code caFile} for https. */
    HttpURLConnection openHttp(String url, String caFile) throws IOException;

    /** The body of a download as the network delivers it (with any injected connection drop). */
    InputStream download(InputStream body);
}
