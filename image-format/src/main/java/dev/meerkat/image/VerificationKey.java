package dev.meerkat.image;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.HexFormat;
import java.util.Objects;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * A public key that image signatures are checked against. Carries the bytes MCUboot hashes for the
 * KEYHASH TLV: SubjectPublicKeyInfo DER, or PKCS#1 RSAPublicKey DER for RSA keys.
 */
public final class VerificationKey {
    private final KeyType type;
    private final PublicKey key;
    private final byte[] publicBytes;
    private final byte[] keyHash;

    VerificationKey(KeyType type, PublicKey key) {
        this.type = Objects.requireNonNull(type);
        this.key = Objects.requireNonNull(key);
        this.publicBytes = mcubootPublicBytes(type, key);
        this.keyHash = Crypto.sha256(publicBytes);
    }

    /**
     * Reads a public key PEM; a private key PEM is accepted too and only its public half is kept.
     */
    public static VerificationKey fromPem(String pem) {
        return fromPem(pem, null);
    }

    public static VerificationKey fromPem(String pem, char[] password) {
        PemKeys.Parsed p = PemKeys.parse(pem, password);
        return new VerificationKey(p.type(), p.publicKey());
    }

    /**
     * The key from the bytes MCUboot uses for it (a PUBKEY TLV, a provisioned key):
     * SubjectPublicKeyInfo DER, or PKCS#1 RSAPublicKey DER.
     */
    /**
     * Every public key of a PEM text, in order ({@code PUBLIC KEY} blocks and certificates): e.g.
     * the keys a bootloader is provisioned with.
     *
     * @throws IllegalArgumentException when the text holds no public key
     */
    public static java.util.List<VerificationKey> allFromPem(String pem) {
        java.util.List<VerificationKey> out = new java.util.ArrayList<>();
        for (PemKeys.Block b : PemKeys.read(pem, 64)) {
            if (b instanceof PemKeys.PublicBlock p) {
                out.add(of(p.publicKey()));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no PUBLIC KEY block found");
        }
        return java.util.List.copyOf(out);
    }

    public static VerificationKey fromPublicBytes(byte[] der) {
        SubjectPublicKeyInfo spki;
        try {
            spki = SubjectPublicKeyInfo.getInstance(der);
        } catch (RuntimeException notSpki) {
            try {
                spki =
                        new SubjectPublicKeyInfo(
                                new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                                        org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers
                                                .rsaEncryption,
                                        org.bouncycastle.asn1.DERNull.INSTANCE),
                                org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(der));
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException(
                        "neither SubjectPublicKeyInfo nor PKCS#1 RSA public key DER");
            }
        }
        try {
            PublicKey pk =
                    new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter()
                            .setProvider(Crypto.bc())
                            .getPublicKey(spki);
            return new VerificationKey(PemKeys.typeOf(spki), pk);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("unusable public key: " + e.getMessage(), e);
        }
    }

    /** Wraps a JCA public key (EC P-256/P-384, Ed25519, X25519 or RSA 2048/3072). */
    public static VerificationKey of(PublicKey key) {
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(key.getEncoded());
        return new VerificationKey(PemKeys.typeOf(spki), key);
    }

    private static byte[] mcubootPublicBytes(KeyType type, PublicKey key) {
        byte[] spki = key.getEncoded();
        if (type != KeyType.RSA_2048 && type != KeyType.RSA_3072) return spki;
        try {
            return SubjectPublicKeyInfo.getInstance(spki).parsePublicKey().getEncoded("DER");
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed RSA public key", e);
        }
    }

    public KeyType type() {
        return type;
    }

    public PublicKey publicKey() {
        return key;
    }

    /** The bytes placed in a PUBKEY TLV and hashed for KEYHASH. */
    public byte[] publicBytes() {
        return publicBytes.clone();
    }

    /** SHA-256 of {@link #publicBytes()}: the KEYHASH TLV value. */
    public byte[] keyHash() {
        return keyHash.clone();
    }

    public String keyHashHex() {
        return HexFormat.of().formatHex(keyHash);
    }

    /** True if a KEYHASH or PUBKEY TLV value designates this key. */
    public boolean matches(Tlv keyTlv) {
        byte[] v = keyTlv.value();
        if (keyTlv.type() == TlvType.KEYHASH) return MessageDigest.isEqual(v, keyHash);
        if (keyTlv.type() == TlvType.PUBKEY) return MessageDigest.isEqual(v, publicBytes);
        return false;
    }

    public String toPem() {
        return PemKeys.publicToPem(key);
    }

    /**
     * Name of the key's array in bootloader sources, as imgtool getpub names it ({@code
     * ecdsa_pub_key}, ...).
     */
    public String arrayName() {
        return switch (type) {
            case ECDSA_P256, ECDSA_P384 -> "ecdsa_pub_key";
            case ED25519 -> "ed25519_pub_key";
            case RSA_2048, RSA_3072 -> "rsa_pub_key";
            case X25519 -> "x25519_pub_key";
        };
    }

    /**
     * {@link #publicBytes()} as the C array a bootloader compiles in (imgtool getpub's lang-c
     * layout, eight bytes a line), with its {@code _len}, after the comment {@code comment}.
     */
    public String toCArray(String comment) {
        return SourceArrays.c(comment, arrayName(), publicBytes, true);
    }

    /**
     * {@link #publicBytes()} as a Rust slice (imgtool getpub's lang-rust layout), after {@code
     * comment}.
     */
    public String toRustArray(String comment) {
        return SourceArrays.rust(
                comment, arrayName().toUpperCase(java.util.Locale.ROOT), publicBytes);
    }

    /**
     * Checks an image signature made over the hashed region whose SHA-256 is {@code digest}. ECDSA
     * and RSA-PSS sign that region with SHA-256, so the digest suffices; Ed25519 signs the digest
     * itself, as MCUboot does.
     */
    public boolean verifyDigest(int signatureTlv, byte[] digest, byte[] signature) {
        if (!type.canSign() || signatureTlv != type.signatureTlv() || digest.length != 32)
            return false;
        try {
            Signature s =
                    switch (type) {
                        case ECDSA_P256, ECDSA_P384 -> Crypto.signatureFor("NONEwithECDSA", key);
                        case ED25519 -> Crypto.signatureFor("Ed25519", key);
                        case RSA_2048, RSA_3072 -> {
                            Signature pss = Signature.getInstance("RAWRSASSA-PSS", Crypto.bc());
                            pss.setParameter(pssParams());
                            yield pss;
                        }
                        case X25519 -> throw new IllegalStateException("unreachable");
                    };
            if (verifies(s, digest, signature)) return true;
            // The JDK's ECDSA rejects DER that Bouncy Castle (and MCUboot) accept, e.g. imgtool's
            // --pad-sig.
            return s.getProvider() != Crypto.bc()
                    && type != KeyType.ED25519
                    && verifies(
                            Signature.getInstance("NONEwithECDSA", Crypto.bc()), digest, signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private boolean verifies(Signature s, byte[] digest, byte[] signature) {
        try {
            s.initVerify(key);
            s.update(digest);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            // Malformed signature encodings are just invalid signatures.
            return false;
        }
    }

    static PSSParameterSpec pssParams() {
        return new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VerificationKey k && MessageDigest.isEqual(k.publicBytes, publicBytes);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(keyHash);
    }

    @Override
    public String toString() {
        return type.cliName() + " key " + keyHashHex();
    }
}
