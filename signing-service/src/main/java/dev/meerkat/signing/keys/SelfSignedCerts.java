package dev.meerkat.signing.keys;

import dev.meerkat.image.KeyType;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Key stores keep a private key only together with a certificate; this makes the placeholder
 * self-signed certificate, signed inside the backend that holds the key.
 */
final class SelfSignedCerts {
    private SelfSignedCerts() {}

    static X509Certificate make(String alias, KeyType type, KeyPair pair, Provider signerProvider) {
        try {
            String alg =
                    switch (type) {
                        case ECDSA_P256 -> "SHA256withECDSA";
                        case ECDSA_P384 -> "SHA384withECDSA";
                        case ED25519 -> "Ed25519";
                        case RSA_2048, RSA_3072 -> "SHA256withRSA";
                        case X25519 ->
                                throw new IllegalArgumentException(
                                        "x25519 keys cannot certify themselves");
                    };
            Instant now = Instant.now();
            // A fixed name: a CN holds at most 64 characters, and the alias (key id + version) can
            // be longer.
            X500Name name = new X500Name("CN=meerkat key");
            JcaX509v3CertificateBuilder b =
                    new JcaX509v3CertificateBuilder(
                            name,
                            BigInteger.valueOf(now.toEpochMilli()),
                            Date.from(now.minus(1, ChronoUnit.DAYS)),
                            Date.from(now.plus(36500, ChronoUnit.DAYS)),
                            name,
                            pair.getPublic());
            ContentSigner signer =
                    new JcaContentSignerBuilder(alg)
                            .setProvider(signerProvider)
                            .build(pair.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot make the key's certificate: " + e.getMessage(), e);
        }
    }
}
