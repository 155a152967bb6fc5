package dev.meerkat.image;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;

/**
 * A private key that signs images. The key material stays inside this object; it leaves only as PEM
 * through {@link #toPem(char[])}, encrypted when a password is given.
 */
public final class SigningKey implements DigestSigner {
    private final KeyType type;
    private final PrivateKey key;
    private final VerificationKey verificationKey;

    private SigningKey(KeyType type, PrivateKey key, VerificationKey verificationKey) {
        this.type = type;
        this.key = key;
        this.verificationKey = verificationKey;
    }

    public static SigningKey generate(KeyType type) {
        KeyPair kp = KeyPairs.generate(type);
        if (!type.canSign())
            throw new IllegalArgumentException(
                    type.cliName() + " keys cannot sign; use EncryptionKey");
        return new SigningKey(type, kp.getPrivate(), new VerificationKey(type, kp.getPublic()));
    }

    /** Reads a private key PEM (PKCS#8, encrypted PKCS#8, SEC1 or PKCS#1). */
    public static SigningKey fromPem(String pem, char[] password) {
        PemKeys.Parsed p = PemKeys.parse(pem, password);
        if (p.privateKey() == null)
            throw new IllegalArgumentException(
                    "a private key is needed to sign, this is a public key");
        if (!p.type().canSign())
            throw new IllegalArgumentException(p.type().cliName() + " keys cannot sign images");
        return new SigningKey(
                p.type(), p.privateKey(), new VerificationKey(p.type(), p.publicKey()));
    }

    public KeyType type() {
        return type;
    }

    @Override
    public VerificationKey verificationKey() {
        return verificationKey;
    }

    @Override
    public byte[] signDigest(byte[] digest) {
        if (digest.length != 32)
            throw new IllegalArgumentException(
                    "digest must be 32 bytes (SHA-256), got " + digest.length);
        try {
            Signature s =
                    switch (type) {
                        case ECDSA_P256, ECDSA_P384 -> Crypto.signatureFor("NONEwithECDSA", key);
                        case ED25519 -> Crypto.signatureFor("Ed25519", key);
                        case RSA_2048, RSA_3072 -> {
                            Signature pss = Signature.getInstance("RAWRSASSA-PSS", Crypto.bc());
                            pss.setParameter(VerificationKey.pssParams());
                            yield pss;
                        }
                        case X25519 -> throw new IllegalStateException("unreachable");
                    };
            s.initSign(key, Crypto.random());
            s.update(digest);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing failed: " + e.getMessage(), e);
        }
    }

    /** PKCS#8 PEM; encrypted (PBES2, AES-256-CBC) when {@code password} is non-empty. */
    public String toPem(char[] password) {
        return PemKeys.privateToPem(key, password);
    }

    @Override
    public String toString() {
        return type.cliName() + " signing key " + verificationKey.keyHashHex();
    }

    /** Key pair generation shared by signing and encryption keys. */
    static final class KeyPairs {
        private KeyPairs() {}

        static KeyPair generate(KeyType type) {
            try {
                KeyPairGenerator g;
                switch (type) {
                    case ECDSA_P256 -> {
                        g = KeyPairGenerator.getInstance("EC", Crypto.bc());
                        g.initialize(new ECGenParameterSpec(P256.NAME), Crypto.random());
                    }
                    case ECDSA_P384 -> {
                        g = KeyPairGenerator.getInstance("EC", Crypto.bc());
                        g.initialize(new ECGenParameterSpec("secp384r1"), Crypto.random());
                    }
                    case ED25519 -> g = KeyPairGenerator.getInstance("Ed25519", Crypto.bc());
                    case X25519 -> g = KeyPairGenerator.getInstance("X25519", Crypto.bc());
                    case RSA_2048, RSA_3072 -> {
                        g = KeyPairGenerator.getInstance("RSA", Crypto.bc());
                        g.initialize(
                                new RSAKeyGenParameterSpec(
                                        type == KeyType.RSA_2048 ? 2048 : 3072,
                                        BigInteger.valueOf(65537)),
                                Crypto.random());
                    }
                    default -> throw new IllegalArgumentException("unsupported key type " + type);
                }
                return g.generateKeyPair();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("key generation failed: " + e.getMessage(), e);
            }
        }
    }
}
