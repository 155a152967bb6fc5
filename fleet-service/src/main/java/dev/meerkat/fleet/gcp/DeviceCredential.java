package dev.meerkat.fleet.gcp;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One registered device key: its format, the PEM text exactly as registered, and an optional
 * expiry. Construction parses the key, so a stored credential is always usable for JWT
 * verification.
 */
public record DeviceCredential(
        PublicKeyFormat format, String pem, Optional<Instant> expiration, PublicKey key) {
    public static final int MAX_PER_DEVICE = 3;
    private static final int MAX_PEM = 8192;
    private static final Pattern PEM =
            Pattern.compile(
                    "-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----\\s*");

    public static DeviceCredential of(
            PublicKeyFormat format, String pem, Optional<Instant> expiration) {
        if (pem == null || pem.isBlank())
            throw IotCoreException.invalid("credentials.publicKey.key is required");
        if (pem.length() > MAX_PEM)
            throw IotCoreException.invalid("credentials.publicKey.key is longer than " + MAX_PEM);
        Matcher m = PEM.matcher(pem.strip() + "\n");
        if (!m.matches())
            throw IotCoreException.invalid("credentials.publicKey.key is not one PEM block");
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(2));
        } catch (IllegalArgumentException e) {
            throw IotCoreException.invalid(
                    "credentials.publicKey.key: bad base64 in the PEM block");
        }
        String label = m.group(1);
        PublicKey key;
        try {
            if (format.certificate()) {
                if (!label.equals("CERTIFICATE")) throw wrongLabel(format, label, "CERTIFICATE");
                X509Certificate cert =
                        (X509Certificate)
                                CertificateFactory.getInstance("X.509")
                                        .generateCertificate(new ByteArrayInputStream(der));
                key = cert.getPublicKey();
            } else {
                if (!label.equals("PUBLIC KEY")) throw wrongLabel(format, label, "PUBLIC KEY");
                key =
                        KeyFactory.getInstance(
                                        format.jwtAlgorithm().startsWith("ES") ? "EC" : "RSA")
                                .generatePublic(new X509EncodedKeySpec(der));
            }
        } catch (GeneralSecurityException | ClassCastException e) {
            throw IotCoreException.invalid(
                    "credentials.publicKey.key is not a valid " + format.name() + " key");
        }
        boolean ec = format.jwtAlgorithm().equals("ES256");
        if (ec
                && !(key instanceof ECPublicKey k
                        && k.getParams().getCurve().getField().getFieldSize() == 256)) {
            throw IotCoreException.invalid(
                    "credentials.publicKey.key: " + format.name() + " needs a P-256 EC key");
        }
        if (!ec && !(key instanceof RSAPublicKey r && r.getModulus().bitLength() >= 2048)) {
            throw IotCoreException.invalid(
                    "credentials.publicKey.key: "
                            + format.name()
                            + " needs an RSA key of at least 2048 bits");
        }
        return new DeviceCredential(format, pem, expiration, key);
    }

    /** A credential without expiry, or whose expiry is still ahead. */
    public boolean validAt(Instant now) {
        return expiration.map(now::isBefore).orElse(true);
    }

    private static IotCoreException wrongLabel(PublicKeyFormat f, String got, String want) {
        return IotCoreException.invalid(
                "credentials.publicKey.key: "
                        + f.name()
                        + " expects a '"
                        + want
                        + "' PEM block, got '"
                        + got.toLowerCase(java.util.Locale.ROOT)
                        + "'");
    }
}
