package dev.meerkat.image;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.params.RSAPrivateCrtKeyParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.InputDecryptorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;

/**
 * The one home of PEM in Meerkat: reads and writes PEM key files in the forms imgtool and OpenSSL
 * produce (image keys through {@link SigningKey}, {@link VerificationKey}, {@link EncryptionKey},
 * {@link DecryptionKey}; fw.zip keys through {@link #read(String, int)}), and PEM blocks of any
 * type (certificates, certificate requests) for the host tools and the signing service.
 */
public final class PemKeys {

    /** A parsed PEM: always a public key, and the private key when the file holds one. */
    record Parsed(KeyType type, PublicKey publicKey, PrivateKey privateKey) {}

    /** A key-bearing PEM block, in the order of the text. */
    public sealed interface Block permits PrivateBlock, PublicBlock, EncryptedBlock {}

    /** A private key (PKCS#8 {@code PRIVATE KEY} or SEC1/PKCS#1 key pair). */
    public record PrivateBlock(PrivateKey privateKey) implements Block {}

    /** A public key ({@code PUBLIC KEY}) or the key of a {@code CERTIFICATE}. */
    public record PublicBlock(PublicKey publicKey) implements Block {}

    /** A password-protected private key, not decrypted. */
    public record EncryptedBlock() implements Block {}

    /**
     * The key-bearing blocks among the first {@code maxObjects} PEM objects of {@code pem}; other
     * objects (e.g. {@code EC PARAMETERS}) are skipped. Keys come from the JDK's providers.
     *
     * @throws IllegalArgumentException when the text is not readable PEM
     */
    public static List<Block> read(String pem, int maxObjects) {
        JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
        List<Block> out = new ArrayList<>();
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            for (int i = 0; i < maxObjects; i++) {
                Object o = p.readObject();
                if (o == null) {
                    break;
                }
                if (o instanceof PEMKeyPair kp) {
                    out.add(new PrivateBlock(conv.getPrivateKey(kp.getPrivateKeyInfo())));
                } else if (o instanceof PrivateKeyInfo pki) {
                    out.add(new PrivateBlock(conv.getPrivateKey(pki)));
                } else if (o instanceof SubjectPublicKeyInfo spki) {
                    out.add(new PublicBlock(conv.getPublicKey(spki)));
                } else if (o instanceof X509CertificateHolder cert) {
                    out.add(new PublicBlock(conv.getPublicKey(cert.getSubjectPublicKeyInfo())));
                } else if (o instanceof PEMEncryptedKeyPair
                        || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    out.add(new EncryptedBlock());
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), e);
        }
        return out;
    }

    private PemKeys() {}

    static Parsed parse(String pem, char[] password) {
        Parsed plain = JdkPemKeys.parse(pem);
        return plain != null ? plain : parseWithBouncyCastle(pem, password);
    }

    /** Every form of key PEM: encrypted, SEC1, PKCS#1, RSA, X25519, Ed25519 private keys. */
    static Parsed parseWithBouncyCastle(String pem, char[] password) {
        Object obj;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            obj = parser.readObject();
        } catch (IOException e) {
            throw new IllegalArgumentException("not a readable PEM key: " + e.getMessage(), e);
        }
        if (obj == null)
            throw new IllegalArgumentException(
                    "no PEM key found (expected -----BEGIN ... KEY-----)");
        try {
            java.util.function.Supplier<JcaPEMKeyConverter> conv =
                    () -> new JcaPEMKeyConverter().setProvider(Crypto.bc());
            if (obj instanceof PKCS8EncryptedPrivateKeyInfo enc) {
                requirePassword(password);
                InputDecryptorProvider dec =
                        new JceOpenSSLPKCS8DecryptorProviderBuilder()
                                .setProvider(Crypto.bc())
                                .build(password);
                obj = enc.decryptPrivateKeyInfo(dec);
            } else if (obj instanceof PEMEncryptedKeyPair enc) {
                requirePassword(password);
                obj =
                        enc.decryptKeyPair(
                                new JcePEMDecryptorProviderBuilder()
                                        .setProvider(Crypto.bc())
                                        .build(password));
            }
            if (obj instanceof PEMKeyPair kp) {
                KeyPair pair = conv.get().getKeyPair(kp);
                return new Parsed(
                        typeOf(kp.getPublicKeyInfo()), pair.getPublic(), pair.getPrivate());
            }
            if (obj instanceof PrivateKeyInfo pki) {
                SubjectPublicKeyInfo spki = derivePublic(pki);
                KeyType type = typeOf(spki);
                String jdk = jdkKeyFactory(type);
                if (jdk != null)
                    return new Parsed(type, jdkPublic(jdk, spki), jdkPrivate(jdk, pki));
                return new Parsed(
                        type, conv.get().getPublicKey(spki), conv.get().getPrivateKey(pki));
            }
            if (obj instanceof SubjectPublicKeyInfo spki) {
                KeyType type = typeOf(spki);
                String jdk = jdkKeyFactory(type);
                return new Parsed(
                        type,
                        jdk != null ? jdkPublic(jdk, spki) : conv.get().getPublicKey(spki),
                        null);
            }
        } catch (PKCSException | OperatorCreationException e) {
            throw new IllegalArgumentException(
                    "cannot decrypt the private key: wrong password?", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed key: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException(
                "unsupported PEM object "
                        + obj.getClass().getSimpleName()
                        + ": expected a private or public key");
    }

    /**
     * The JDK key factory for the key types the JDK signs and verifies itself, so they need no
     * Bouncy Castle provider.
     */
    private static String jdkKeyFactory(KeyType type) {
        return switch (type) {
            case ECDSA_P256, ECDSA_P384 -> "EC";
            case ED25519 -> "Ed25519";
            default -> null;
        };
    }

    static PublicKey jdkPublic(String algorithm, SubjectPublicKeyInfo spki) throws IOException {
        try {
            return KeyFactory.getInstance(algorithm)
                    .generatePublic(new X509EncodedKeySpec(spki.getEncoded("DER")));
        } catch (GeneralSecurityException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static PrivateKey jdkPrivate(String algorithm, PrivateKeyInfo pki) throws IOException {
        try {
            return KeyFactory.getInstance(algorithm)
                    .generatePrivate(new PKCS8EncodedKeySpec(pki.getEncoded("DER")));
        } catch (GeneralSecurityException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static void requirePassword(char[] password) {
        if (password == null) {
            throw new IllegalArgumentException("the key is password-protected: give its password");
        }
    }

    static SubjectPublicKeyInfo derivePublic(PrivateKeyInfo pki) throws IOException {
        // OpenSSL and imgtool store the EC public point beside the secret: no point multiplication
        // needed.
        if (pki.getPrivateKeyAlgorithm()
                .getAlgorithm()
                .equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            var ec = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(pki.parsePrivateKey());
            if (ec.getPublicKey() != null) {
                return new SubjectPublicKeyInfo(
                        pki.getPrivateKeyAlgorithm(), ec.getPublicKey().getBytes());
            }
        }
        AsymmetricKeyParameter priv = PrivateKeyFactory.createKey(pki);
        AsymmetricKeyParameter pub;
        if (priv instanceof ECPrivateKeyParameters ec) {
            pub =
                    new ECPublicKeyParameters(
                            ec.getParameters().getG().multiply(ec.getD()).normalize(),
                            ec.getParameters());
        } else if (priv instanceof RSAPrivateCrtKeyParameters rsa) {
            pub = new RSAKeyParameters(false, rsa.getModulus(), rsa.getPublicExponent());
        } else if (priv instanceof Ed25519PrivateKeyParameters ed) {
            pub = ed.generatePublicKey();
        } else if (priv instanceof X25519PrivateKeyParameters x) {
            pub = x.generatePublicKey();
        } else {
            throw new IllegalArgumentException(
                    "unsupported private key algorithm "
                            + pki.getPrivateKeyAlgorithm().getAlgorithm());
        }
        return SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(pub);
    }

    static KeyType typeOf(SubjectPublicKeyInfo spki) {
        ASN1ObjectIdentifier alg = spki.getAlgorithm().getAlgorithm();
        if (alg.equals(EdECObjectIdentifiers.id_Ed25519)) return KeyType.ED25519;
        if (alg.equals(EdECObjectIdentifiers.id_X25519)) return KeyType.X25519;
        if (alg.equals(PKCSObjectIdentifiers.rsaEncryption)) {
            int bits =
                    ((org.bouncycastle.asn1.pkcs.RSAPublicKey) parseRsa(spki))
                            .getModulus()
                            .bitLength();
            if (bits == 2048) return KeyType.RSA_2048;
            if (bits == 3072) return KeyType.RSA_3072;
            throw new IllegalArgumentException(
                    "unsupported RSA key size " + bits + " (2048 or 3072 expected)");
        }
        if (alg.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            Object params = spki.getAlgorithm().getParameters();
            if (X9ObjectIdentifiers.prime256v1.equals(params)) return KeyType.ECDSA_P256;
            if (SECObjectIdentifiers.secp384r1.equals(params)) return KeyType.ECDSA_P384;
            throw new IllegalArgumentException(
                    "unsupported EC curve " + params + " (P-256 or P-384 expected)");
        }
        throw new IllegalArgumentException("unsupported key algorithm " + alg);
    }

    private static Object parseRsa(SubjectPublicKeyInfo spki) {
        try {
            return org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(spki.parsePublicKey());
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed RSA public key", e);
        }
    }

    static String privateToPem(PrivateKey key, char[] password) {
        try {
            StringWriter sw = new StringWriter();
            try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
                if (password == null || password.length == 0) {
                    w.writeObject(new JcaPKCS8Generator(key, null));
                } else {
                    var encryptor =
                            new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                                    .setProvider(Crypto.bc())
                                    .setRandom(Crypto.random())
                                    .setPassword(password)
                                    .setIterationCount(600_000)
                                    .build();
                    w.writeObject(new JcaPKCS8Generator(key, encryptor));
                }
            }
            return sw.toString();
        } catch (IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot encode private key", e);
        }
    }

    static String publicToPem(PublicKey key) {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(key);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode public key", e);
        }
        return sw.toString();
    }

    /** One PEM block of {@code type} (for example CERTIFICATE) holding {@code der}. */
    public static String block(String type, byte[] der) {
        StringWriter sw = new StringWriter();
        try (org.bouncycastle.util.io.pem.PemWriter w =
                new org.bouncycastle.util.io.pem.PemWriter(sw)) {
            w.writeObject(new org.bouncycastle.util.io.pem.PemObject(type, der));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode PEM", e);
        }
        return sw.toString();
    }

    /**
     * The contents of every PEM block of {@code type} in {@code text}, in order; other blocks are
     * skipped.
     */
    public static java.util.List<byte[]> blocks(String text, String type) {
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        try (org.bouncycastle.util.io.pem.PemReader r =
                new org.bouncycastle.util.io.pem.PemReader(new StringReader(text))) {
            org.bouncycastle.util.io.pem.PemObject o;
            while ((o = r.readPemObject()) != null) {
                if (o.getType().equals(type)) out.add(o.getContent());
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed PEM: " + e.getMessage(), e);
        }
        return out;
    }
}
