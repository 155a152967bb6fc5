package dev.meerkat.fwzip;

import dev.meerkat.fwzip.FwZipException.Problem;
import dev.meerkat.image.P256;
import dev.meerkat.image.PemKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.HexFormat;
import java.util.List;

/**
 * ECDSA P-256 keys for fw.zip signatures (PEM read by image-format's {@link PemKeys}, the curve
 * from {@link P256}): loading (PKCS#8 {@code PRIVATE KEY}, SEC1 {@code EC PRIVATE KEY}, SPKI {@code
 * PUBLIC KEY}, or an X.509 certificate), signing and verification.
 */
public final class FwKeys {
    private FwKeys() {}

    private static final int MAX_PEM = 64 * 1024;

    /** Reads a private key from a PEM file. */
    public static PrivateKey readPrivateKey(Path pem) throws FwZipException {
        Object o = readPem(pem, true);
        if (o instanceof PrivateKey k) {
            return checkP256(k, pem.toString());
        }
        throw new FwZipException(
                Problem.BAD_KEY, pem + ": no private key found (found a public key)");
    }

    /** Reads a public key from a PEM file; a private key or certificate is also accepted. */
    public static PublicKey readPublicKey(Path pem) throws FwZipException {
        Object o = readPem(pem, false);
        if (o instanceof PublicKey k) {
            return checkP256(k, pem.toString());
        }
        return publicKey(checkP256((PrivateKey) o, pem.toString()));
    }

    /** Parses PEM text holding a private key. */
    public static PrivateKey parsePrivateKey(String pem) throws FwZipException {
        Object o = parsePem(pem, "PEM text", true);
        if (o instanceof PrivateKey k) {
            return checkP256(k, "PEM text");
        }
        throw new FwZipException(Problem.BAD_KEY, "PEM text holds no private key");
    }

    /** Parses PEM text holding a public key, a private key or a certificate. */
    public static PublicKey parsePublicKey(String pem) throws FwZipException {
        Object o = parsePem(pem, "PEM text", false);
        if (o instanceof PublicKey k) {
            return checkP256(k, "PEM text");
        }
        return publicKey(checkP256((PrivateKey) o, "PEM text"));
    }

    private static Object readPem(Path pem, boolean wantPrivate) throws FwZipException {
        String text;
        try {
            if (Files.size(pem) > MAX_PEM) {
                throw new FwZipException(
                        Problem.BAD_KEY, pem + ": file is too large for a PEM key");
            }
            text = Files.readString(pem, StandardCharsets.US_ASCII);
        } catch (FwZipException e) {
            throw e;
        } catch (IOException e) {
            throw new FwZipException(
                    Problem.BAD_KEY,
                    pem
                            + ": cannot read key file ("
                            + e.getClass().getSimpleName()
                            + ": "
                            + e.getMessage()
                            + ")",
                    e);
        }
        return parsePem(text, pem.toString(), wantPrivate);
    }

    /**
     * Returns the first usable key object: a PrivateKey (preferred when asked) or a PublicKey. The
     * PEM itself is read by image-format's {@link PemKeys}.
     */
    private static Object parsePem(String text, String where, boolean wantPrivate)
            throws FwZipException {
        List<PemKeys.Block> blocks;
        try {
            blocks = PemKeys.read(text, 16);
        } catch (IllegalArgumentException e) {
            throw new FwZipException(
                    Problem.BAD_KEY,
                    where + ": not a valid PEM key (" + FwManifest.firstLine(e.getMessage()) + ")",
                    e);
        }
        PublicKey publicFound = null;
        for (PemKeys.Block b : blocks) {
            if (b instanceof PemKeys.PrivateBlock p) {
                return p.privateKey();
            } else if (b instanceof PemKeys.EncryptedBlock) {
                throw new FwZipException(
                        Problem.BAD_KEY,
                        where + ": encrypted private keys are not supported; decrypt it first");
            } else if (b instanceof PemKeys.PublicBlock p) {
                publicFound = p.publicKey();
                if (!wantPrivate) {
                    return publicFound;
                }
            }
        }
        if (publicFound != null) {
            return publicFound;
        }
        throw new FwZipException(Problem.BAD_KEY, where + ": no PEM key found");
    }

    private static <K extends java.security.Key> K checkP256(K key, String where)
            throws FwZipException {
        ECParameterSpec spec =
                key instanceof ECPrivateKey pk
                        ? pk.getParams()
                        : key instanceof ECPublicKey pub ? pub.getParams() : null;
        if (spec == null) {
            throw new FwZipException(
                    Problem.BAD_KEY,
                    where
                            + ": "
                            + key.getAlgorithm()
                            + " key found, but fw.zip signatures need an ECDSA P-256 key");
        }
        if (!P256.is(spec)) {
            throw new FwZipException(
                    Problem.BAD_KEY,
                    where
                            + ": EC key is not on curve P-256 (secp256r1), the only curve fw.zip signatures use");
        }
        return key;
    }

    /** The public key of a P-256 private key. */
    public static PublicKey publicKey(PrivateKey privateKey) throws FwZipException {
        ECPrivateKey k = (ECPrivateKey) checkP256(privateKey, "private key");
        var q = P256.CURVE.getG().multiply(k.getS()).normalize();
        ECPoint w =
                new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
        try {
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, P256.SPEC));
        } catch (GeneralSecurityException e) {
            throw new FwZipException(Problem.BAD_KEY, "cannot derive the public key", e);
        }
    }

    /** A fresh P-256 key pair (for tests and tooling). */
    public static KeyPair generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(P256.NAME));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signs {@code manifest} as {@code mos} does: ECDSA over SHA-256, DER output. */
    public static byte[] sign(PrivateKey key, byte[] manifest) throws FwZipException {
        checkP256(key, "signing key");
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(key);
            s.update(manifest);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new FwZipException(Problem.BAD_KEY, "signing failed: " + e.getMessage(), e);
        }
    }

    /** True if {@code der} is a valid signature of {@code manifest} by {@code key}. */
    public static boolean verify(PublicKey key, byte[] manifest, byte[] der) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initVerify(key);
            s.update(manifest);
            return s.verify(der);
        } catch (SignatureException | InvalidKeyException | RuntimeException e) {
            return false;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Short identifier of a public key: first 16 hex digits of SHA-256 over its SPKI encoding. */
    public static String fingerprint(PublicKey key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
