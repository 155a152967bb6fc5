package dev.meerkat.image;

import dev.meerkat.image.ImageFormatException.Problem;
import java.io.IOException;
import java.util.Arrays;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.agreement.ECDHBasicAgreement;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.encodings.OAEPEncoding;
import org.bouncycastle.crypto.engines.AESWrapEngine;
import org.bouncycastle.crypto.engines.RSAEngine;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.util.BigIntegers;

/** The device side's private key that recovers an image's AES key from its ENC_* TLV. */
public final class DecryptionKey {
    private final int tlvType;
    private final AsymmetricKeyParameter privateParams;
    private final byte[] kek;
    private final EncryptionKey encryptionKey;
    private final java.security.PrivateKey jcaKey;
    private final Agreement agreement;

    /**
     * The ECDH step of ECIES performed elsewhere, typically inside a secure element that never
     * releases the private key: given the image's ephemeral public key (65-byte uncompressed P-256
     * point, already checked to be on the curve, or 32-byte X25519 key) return the shared secret.
     */
    @FunctionalInterface
    public interface Agreement {
        byte[] sharedSecret(byte[] ephemeralPublicKey)
                throws java.security.GeneralSecurityException;
    }

    private DecryptionKey(
            int tlvType,
            AsymmetricKeyParameter privateParams,
            byte[] kek,
            EncryptionKey enc,
            java.security.PrivateKey jcaKey) {
        this(tlvType, privateParams, kek, enc, jcaKey, null);
    }

    private DecryptionKey(
            int tlvType,
            AsymmetricKeyParameter privateParams,
            byte[] kek,
            EncryptionKey enc,
            java.security.PrivateKey jcaKey,
            Agreement agreement) {
        this.tlvType = tlvType;
        this.privateParams = privateParams;
        this.kek = kek;
        this.encryptionKey = enc;
        this.jcaKey = jcaKey;
        this.agreement = agreement;
    }

    /**
     * A P-256 (ENC_EC256) or X25519 (ENC_X25519) decryption key whose private half stays in a
     * secure element: only the ECDH runs there, HKDF, HMAC check and key unwrap run here.
     */
    public static DecryptionKey withAgreement(
            KeyType type, java.security.PublicKey publicKey, Agreement agreement) {
        if (type != KeyType.ECDSA_P256 && type != KeyType.X25519) {
            throw new IllegalArgumentException(
                    "external key agreement needs a P-256 or X25519 key, not " + type.cliName());
        }
        EncryptionKey enc = EncryptionKey.of(type, publicKey);
        return new DecryptionKey(
                enc.tlvType(), null, null, enc, null, java.util.Objects.requireNonNull(agreement));
    }

    /** A new P-256, X25519 or RSA-2048 image decryption key. */
    public static DecryptionKey generate(KeyType type) {
        java.security.KeyPair kp = SigningKey.KeyPairs.generate(type);
        EncryptionKey enc = EncryptionKey.of(type, kp.getPublic());
        try {
            return new DecryptionKey(
                    enc.tlvType(),
                    PrivateKeyFactory.createKey(kp.getPrivate().getEncoded()),
                    null,
                    enc,
                    kp.getPrivate());
        } catch (IOException e) {
            throw new IllegalStateException("cannot use generated key", e);
        }
    }

    /**
     * PKCS#8 PEM, encrypted when {@code password} is non-empty. Not available for AES key-wrap
     * keys.
     */
    public String toPem(char[] password) {
        if (jcaKey == null) throw new IllegalStateException("AES key-wrap keys have no PEM form");
        return PemKeys.privateToPem(jcaKey, password);
    }

    /** A P-256, X25519 or RSA-2048 private key PEM. */
    public static DecryptionKey fromPem(String pem, char[] password) {
        PemKeys.Parsed p = PemKeys.parse(pem, password);
        if (p.privateKey() == null)
            throw new IllegalArgumentException(
                    "decryption needs the private key, this is a public key");
        EncryptionKey enc = EncryptionKey.of(p.type(), p.publicKey());
        try {
            return new DecryptionKey(
                    enc.tlvType(),
                    PrivateKeyFactory.createKey(p.privateKey().getEncoded()),
                    null,
                    enc,
                    p.privateKey());
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed private key", e);
        }
    }

    public static DecryptionKey aesKeyWrap(byte[] kek) {
        return new DecryptionKey(
                TlvType.ENC_KW, null, kek.clone(), EncryptionKey.aesKeyWrap(kek), null);
    }

    /** The matching public key, for encrypting images to this key. */
    public EncryptionKey encryptionKey() {
        return encryptionKey;
    }

    public int tlvType() {
        return tlvType;
    }

    /**
     * Recovers the AES image key of {@code keyLength} bytes from the image's key TLV.
     *
     * @throws ImageFormatException BAD_ENCRYPTION when the TLV is malformed, of another key type,
     *     or was made for a different key
     */
    public byte[] unwrap(Tlv tlv, int keyLength, long offset) throws ImageFormatException {
        if (keyLength != 16 && keyLength != 32) {
            throw new ImageFormatException(
                    Problem.BAD_ENCRYPTION, offset, "unsupported AES key length " + keyLength);
        }
        if (tlv.type() != tlvType) {
            throw new ImageFormatException(
                    Problem.BAD_ENCRYPTION,
                    offset,
                    "image key is wrapped as "
                            + tlv.name()
                            + " but the decryption key is for "
                            + TlvType.name(tlvType));
        }
        byte[] v = tlv.value();
        try {
            return switch (tlvType) {
                case TlvType.ENC_EC256 -> {
                    expectLength(v, 65 + 32 + keyLength, tlv, offset);
                    byte[] shared;
                    if (agreement != null) {
                        // Refuse points off the curve before they reach the secure element.
                        P256.CURVE.getCurve().decodePoint(Arrays.copyOf(v, 65));
                        shared = external(Arrays.copyOf(v, 65), offset);
                    } else {
                        ECPrivateKeyParameters priv = (ECPrivateKeyParameters) privateParams;
                        var point =
                                priv.getParameters().getCurve().decodePoint(Arrays.copyOf(v, 65));
                        ECDHBasicAgreement agree = new ECDHBasicAgreement();
                        agree.init(priv);
                        shared =
                                BigIntegers.asUnsignedByteArray(
                                        32,
                                        agree.calculateAgreement(
                                                new ECPublicKeyParameters(
                                                        point, priv.getParameters())));
                    }
                    yield openOrFail(
                            shared,
                            Arrays.copyOfRange(v, 65, 97),
                            Arrays.copyOfRange(v, 97, v.length),
                            offset);
                }
                case TlvType.ENC_X25519 -> {
                    expectLength(v, 32 + 32 + keyLength, tlv, offset);
                    byte[] shared = new byte[32];
                    if (agreement != null) {
                        shared = external(Arrays.copyOf(v, 32), offset);
                    } else {
                        X25519Agreement agree = new X25519Agreement();
                        agree.init(privateParams);
                        agree.calculateAgreement(new X25519PublicKeyParameters(v, 0), shared, 0);
                    }
                    yield openOrFail(
                            shared,
                            Arrays.copyOfRange(v, 32, 64),
                            Arrays.copyOfRange(v, 64, v.length),
                            offset);
                }
                case TlvType.ENC_RSA2048 -> {
                    expectLength(v, 256, tlv, offset);
                    OAEPEncoding oaep =
                            new OAEPEncoding(
                                    new RSAEngine(), new SHA256Digest(), new SHA256Digest(), null);
                    oaep.init(false, privateParams);
                    byte[] key = oaep.processBlock(v, 0, v.length);
                    if (key.length != keyLength) {
                        throw new ImageFormatException(
                                Problem.BAD_ENCRYPTION,
                                offset,
                                "RSA-wrapped key is "
                                        + key.length
                                        + " bytes, header says "
                                        + keyLength);
                    }
                    yield key;
                }
                case TlvType.ENC_KW -> {
                    expectLength(v, keyLength + 8, tlv, offset);
                    AESWrapEngine kw = new AESWrapEngine();
                    kw.init(false, new KeyParameter(kek));
                    yield kw.unwrap(v, 0, v.length);
                }
                default -> throw new IllegalStateException("unreachable");
            };
        } catch (InvalidCipherTextException e) {
            throw new ImageFormatException(
                    Problem.BAD_ENCRYPTION,
                    offset,
                    tlv.name() + " does not unwrap with this key (wrong key or tampered TLV)");
        } catch (IllegalArgumentException | IllegalStateException | ArithmeticException e) {
            throw new ImageFormatException(
                    Problem.BAD_ENCRYPTION,
                    offset,
                    tlv.name() + " is malformed: " + e.getMessage());
        }
    }

    private byte[] external(byte[] ephemeral, long offset) throws ImageFormatException {
        try {
            return agreement.sharedSecret(ephemeral);
        } catch (java.security.GeneralSecurityException e) {
            throw new ImageFormatException(
                    Problem.BAD_ENCRYPTION, offset, "key agreement failed: " + e.getMessage());
        }
    }

    private static byte[] openOrFail(byte[] shared, byte[] tag, byte[] encKey, long offset)
            throws ImageFormatException {
        byte[] key = Ecies.open(shared, tag, encKey);
        if (key == null) {
            throw new ImageFormatException(
                    Problem.BAD_ENCRYPTION,
                    offset,
                    "image key HMAC does not match: the image was encrypted for a different key, or the TLV was altered");
        }
        return key;
    }

    private static void expectLength(byte[] v, int expected, Tlv tlv, long offset)
            throws ImageFormatException {
        if (v.length != expected) {
            throw new ImageFormatException(
                    Problem.BAD_ENCRYPTION,
                    offset,
                    tlv.name() + " is " + v.length + " bytes, expected " + expected);
        }
    }
}
