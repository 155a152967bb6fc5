package dev.meerkat.cloud.gcp;

import com.google.cloud.iot.v1.DeviceCredential;
import com.google.cloud.iot.v1.PublicKeyCredential;
import com.google.cloud.iot.v1.PublicKeyFormat;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;

/**
 * A chip's P-256 public key as the factory recorded it (its device certificate), in the two forms
 * IoT Core registers ES256 keys: {@code ES256_PEM} (the bare key) and {@code ES256_X509_PEM} (the
 * certificate).
 */
public final class ChipKey {
    private final String certificatePem;
    private final PublicKey key;

    private ChipKey(String certificatePem, PublicKey key) {
        this.certificatePem = certificatePem;
        this.key = key;
    }

    /** Reads a device certificate; refuses anything but an EC (P-256) key. */
    public static ChipKey fromCertificatePem(String pem) {
        try {
            X509Certificate cert =
                    (X509Certificate)
                            CertificateFactory.getInstance("X.509")
                                    .generateCertificate(
                                            new ByteArrayInputStream(
                                                    pem.getBytes(StandardCharsets.US_ASCII)));
            if (!(cert.getPublicKey() instanceof ECPublicKey ec)
                    || ec.getParams().getCurve().getField().getFieldSize() != 256) {
                throw new IllegalArgumentException("the certificate's key is not a P-256 key");
            }
            return new ChipKey(pem.strip() + "\n", cert.getPublicKey());
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException("not a PEM X.509 certificate", e);
        }
    }

    /** The credential to register in {@code format} (ES256_PEM or ES256_X509_PEM). */
    public DeviceCredential credential(PublicKeyFormat format) {
        String text =
                switch (format) {
                    case ES256_PEM -> publicKeyPem();
                    case ES256_X509_PEM -> certificatePem;
                    default ->
                            throw new IllegalArgumentException(
                                    "a chip key registers as ES256_PEM or ES256_X509_PEM, not "
                                            + format);
                };
        return DeviceCredential.newBuilder()
                .setPublicKey(PublicKeyCredential.newBuilder().setFormat(format).setKey(text))
                .build();
    }

    public String publicKeyPem() {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(key.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    /** True if {@code c} holds this key, in either ES256 form. */
    public boolean matches(DeviceCredential c) {
        return encodedKeyOf(c)
                .map(other -> MessageDigest.isEqual(other, key.getEncoded()))
                .orElse(false);
    }

    private static Optional<byte[]> encodedKeyOf(DeviceCredential c) {
        PublicKeyCredential k = c.getPublicKey();
        try {
            return switch (k.getFormat()) {
                case ES256_X509_PEM -> Optional.of(fromCertificatePem(k.getKey()).key.getEncoded());
                case ES256_PEM -> {
                    String b64 =
                            k.getKey()
                                    .replace("-----BEGIN PUBLIC KEY-----", "")
                                    .replace("-----END PUBLIC KEY-----", "")
                                    .replaceAll("\\s", "");
                    yield Optional.of(
                            KeyFactory.getInstance("EC")
                                    .generatePublic(
                                            new X509EncodedKeySpec(Base64.getDecoder().decode(b64)))
                                    .getEncoded());
                }
                default -> Optional.empty();
            };
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
