package dev.meerkat.signing.pki;

import dev.meerkat.signing.keys.BackendSignatureProvider;
import java.io.IOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.bc.BcX509ExtensionUtils;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The certificate profiles of the device PKI. Device and issuing-CA certificates follow {@link
 * CompressedCertRules} so that a chip can store them in 72 bytes; the root does not need to.
 */
final class Certificates {
    /**
     * Key identifier helper; a new one per use, because {@code BcX509ExtensionUtils} keeps its
     * SHA-1 calculator's state in the instance and gives wrong SKI/AKI values when shared between
     * threads.
     */
    static BcX509ExtensionUtils ext() {
        return new BcX509ExtensionUtils();
    }

    private static final SecureRandom RNG = new SecureRandom();

    private Certificates() {}

    static X500Name rootName(String org) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, org)
                .addRDN(BCStyle.CN, org + " Root CA")
                .build();
    }

    /**
     * The signer ID appears in the CA's CN as four upper-case hex digits, as Microchip's signer
     * templates do.
     */
    static X500Name issuingName(String org, int signerId) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, org)
                .addRDN(BCStyle.CN, org + " Device CA " + String.format("%04X", signerId))
                .build();
    }

    static X500Name deviceName(String org, String chipSerialHex) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, org)
                .addRDN(BCStyle.CN, chipSerialHex)
                .build();
    }

    /**
     * A content signer for a key held in a backend (the key reference goes to the backend
     * provider).
     */
    static ContentSigner signer(PrivateKey key) {
        try {
            return new JcaContentSignerBuilder("SHA256withECDSA")
                    .setProvider(BackendSignatureProvider.NAME)
                    .build(key);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign with " + key + ": " + e.getMessage(), e);
        }
    }

    static boolean isP256(SubjectPublicKeyInfo spki) {
        return X9ObjectIdentifiers.id_ecPublicKey.equals(spki.getAlgorithm().getAlgorithm())
                && X9ObjectIdentifiers.prime256v1.equals(spki.getAlgorithm().getParameters())
                && spki.getPublicKeyData().getOctets().length == 65
                && spki.getPublicKeyData().getOctets()[0] == 4;
    }

    /** X||Y of an uncompressed P-256 key. */
    static byte[] rawPublicKey(SubjectPublicKeyInfo spki) {
        byte[] pt = spki.getPublicKeyData().getOctets();
        return Arrays.copyOfRange(pt, 1, 65);
    }

    static X509CertificateHolder selfSignedRoot(
            X500Name name, SubjectPublicKeyInfo spki, PrivateKey key, int years) {
        Instant nb = CompressedCertRules.issueDate(Instant.now());
        byte[] serial = new byte[16];
        RNG.nextBytes(serial);
        serial[0] = (byte) ((serial[0] & 0x7F) | 0x40);
        X509v3CertificateBuilder b =
                new X509v3CertificateBuilder(
                        name,
                        new BigInteger(serial),
                        new Time(Date.from(nb)),
                        new Time(Date.from(CompressedCertRules.expiry(nb, years))),
                        name,
                        spki);
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(1));
            b.addExtension(
                    Extension.keyUsage,
                    true,
                    new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(
                    Extension.subjectKeyIdentifier, false, ext().createSubjectKeyIdentifier(spki));
        } catch (CertIOException e) {
            throw new IllegalStateException(e);
        }
        return b.build(signer(key));
    }

    /**
     * An issuing (signer) CA certificate under {@code root}, compressible like a device
     * certificate.
     */
    static X509CertificateHolder issuingCa(
            X509CertificateHolder root,
            PrivateKey rootKey,
            X500Name subject,
            SubjectPublicKeyInfo spki,
            int years) {
        return compressible(root, rootKey, subject, spki, years, true);
    }

    static X509CertificateHolder device(
            X509CertificateHolder issuer,
            PrivateKey issuerKey,
            X500Name subject,
            SubjectPublicKeyInfo spki,
            int years) {
        return compressible(issuer, issuerKey, subject, spki, years, false);
    }

    private static X509CertificateHolder compressible(
            X509CertificateHolder issuer,
            PrivateKey issuerKey,
            X500Name subject,
            SubjectPublicKeyInfo spki,
            int years,
            boolean ca) {
        Instant nb = CompressedCertRules.issueDate(Instant.now());
        byte[] dates = CompressedCertRules.encodeDates(nb, years);
        byte[] serial = CompressedCertRules.serialNumber(rawPublicKey(spki), dates);
        X509v3CertificateBuilder b =
                new X509v3CertificateBuilder(
                        issuer.getSubject(),
                        new BigInteger(serial),
                        new Time(Date.from(nb)),
                        new Time(Date.from(CompressedCertRules.expiry(nb, years))),
                        subject,
                        spki);
        try {
            if (ca) {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
                b.addExtension(
                        Extension.keyUsage,
                        true,
                        new KeyUsage(
                                KeyUsage.keyCertSign
                                        | KeyUsage.cRLSign
                                        | KeyUsage.digitalSignature));
            } else {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                b.addExtension(
                        Extension.extendedKeyUsage,
                        false,
                        new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            }
            b.addExtension(
                    Extension.subjectKeyIdentifier, false, ext().createSubjectKeyIdentifier(spki));
            b.addExtension(
                    Extension.authorityKeyIdentifier,
                    false,
                    ext().createAuthorityKeyIdentifier(issuer.getSubjectPublicKeyInfo()));
        } catch (CertIOException e) {
            throw new IllegalStateException(e);
        }
        return b.build(signer(issuerKey));
    }

    static String fingerprint(byte[] der) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String serialHex(BigInteger serial) {
        return HexFormat.of().withUpperCase().formatHex(toUnsigned(serial));
    }

    private static byte[] toUnsigned(BigInteger v) {
        byte[] b = v.toByteArray();
        return b.length > 1 && b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
    }

    static X509CertificateHolder parse(byte[] der) {
        try {
            return new X509CertificateHolder(der);
        } catch (IOException | RuntimeException e) {
            throw dev.meerkat.signing.refusal.Refusal.unprocessable(
                    "Malformed certificate", e.getMessage());
        }
    }
}
