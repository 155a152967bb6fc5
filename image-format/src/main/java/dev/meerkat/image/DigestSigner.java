package dev.meerkat.image;

/**
 * Something that signs an image digest: a local {@link SigningKey}, a fixed signature made
 * elsewhere, or a remote signing service. Only the 32-byte SHA-256 digest of the hashed region is
 * handed over.
 */
public interface DigestSigner {

    /** The public key the signature verifies with; it also feeds the KEYHASH/PUBKEY TLV. */
    VerificationKey verificationKey();

    /**
     * Signs the digest; returns the signature TLV value (DER for ECDSA, raw for Ed25519 and
     * RSA-PSS).
     */
    byte[] signDigest(byte[] sha256Digest);

    /**
     * A signer that returns a signature produced earlier (imgtool's {@code --fix-sig}); it is
     * checked against the digest and the key before use, so a wrong signature never reaches an
     * image.
     */
    static DigestSigner fixed(VerificationKey key, byte[] signature) {
        byte[] sig = signature.clone();
        return new DigestSigner() {
            @Override
            public VerificationKey verificationKey() {
                return key;
            }

            @Override
            public byte[] signDigest(byte[] digest) {
                if (!key.verifyDigest(key.type().signatureTlv(), digest, sig)) {
                    throw new IllegalArgumentException(
                            "the fixed signature does not verify with "
                                    + key
                                    + " over this image's digest");
                }
                return sig.clone();
            }
        };
    }
}
