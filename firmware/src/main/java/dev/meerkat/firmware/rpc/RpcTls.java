package dev.meerkat.firmware.rpc;

import dev.meerkat.firmware.fs.FileStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS on the device's HTTP port (Mongoose OS's {@code http.ssl_cert}, {@code http.ssl_key}, {@code
 * http.ssl_ca_cert}): the server certificate chain and its PKCS#8 key as PEM files of the file
 * store; with a CA file, clients must present a certificate issued by it, and the certificate's
 * common name is the RPC user the client acts as.
 */
public final class RpcTls {

    private RpcTls() {}

    /** The server context, or empty when {@code certFile} is empty (plain HTTP). */
    public static Optional<SSLContext> serverContext(
            FileStore files, String certFile, String keyFile, String caFile)
            throws GeneralSecurityException, IOException {
        if (certFile.isEmpty()) {
            return Optional.empty();
        }
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        Certificate[] chain =
                cf.generateCertificates(new ByteArrayInputStream(read(files, certFile)))
                        .toArray(new Certificate[0]);
        if (chain.length == 0) {
            throw new GeneralSecurityException(certFile + " holds no certificate");
        }
        char[] pass = new char[16];
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < pass.length; i++) {
            pass[i] = (char) ('a' + random.nextInt(26));
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", privateKey(read(files, keyFile), keyFile), pass, chain);
        KeyManagerFactory kmf =
                KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pass);
        TrustManagerFactory tmf = null;
        if (!caFile.isEmpty()) {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            int i = 0;
            for (Certificate c :
                    cf.generateCertificates(new ByteArrayInputStream(read(files, caFile)))) {
                ts.setCertificateEntry("ca" + i++, c);
            }
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), random);
        return Optional.of(ctx);
    }

    /** The common name of a client certificate: the RPC user it maps to. */
    public static Optional<String> user(X509Certificate client) {
        try {
            for (Rdn rdn : new LdapName(client.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return Optional.of(String.valueOf(rdn.getValue()));
                }
            }
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static byte[] read(FileStore files, String name) throws IOException {
        return files.read(name)
                .orElseThrow(() -> new IOException("TLS file " + name + " is missing"));
    }

    private static PrivateKey privateKey(byte[] pem, String name) throws GeneralSecurityException {
        String text = new String(pem, StandardCharsets.US_ASCII);
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new GeneralSecurityException(
                    name + " must hold a PKCS#8 PEM private key (BEGIN PRIVATE KEY)");
        }
        byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
        for (String alg : new String[] {"EC", "RSA", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new GeneralSecurityException(name + ": unsupported private key");
    }
}
