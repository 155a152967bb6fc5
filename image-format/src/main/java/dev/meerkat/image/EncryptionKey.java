package dev.meerkat.image;

import java.io.IOException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Objects;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.agreement.ECDHBasicAgreement;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.encodings.OAEPEncoding;
import org.bouncycastle.crypto.engines.AESWrapEngine;
import org.bouncycastle.crypto.engines.RSAEngine;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.generators.X25519KeyPairGenerator;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.params.X25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.util.BigIntegers;

/**
 * The recipient side's public key for image encryption: it wraps the random per-image AES key into
 * an ENC_EC256, ENC_X25519, ENC_RSA2048 or ENC_KW TLV, as MCUboot expects.
 */
public final class EncryptionKey {
    private final int tlvType;
    private final AsymmetricKeyParameter publicParams;
    private final byte[] kek;
    private final String description;

    private EncryptionKey(
            int tlvType, AsymmetricKeyParameter publicParams, byte[] kek, String description) {
        this.tlvType = tlvType;
        this.publicParams = publicParams;
        this.kek = kek;
        this.description = description;
    }

    /** A P-256, X25519 or RSA-2048 key (public or private PEM; only the public half is used). */
    public static EncryptionKey fromPem(String pem) {
        return fromPem(pem, null);
    }

    /** As {@link #fromPem(String)}, for a password-protected private key PEM. */
    public static EncryptionKey fromPem(String pem, char[] password) {
        PemKeys.Parsed p = PemKeys.parse(pem, password);
        return of(p.type(), p.publicKey());
    }

    public static EncryptionKey of(KeyType type, PublicKey key) {
        int tlv =
                switch (type) {
                    case ECDSA_P256 -> TlvType.ENC_EC256;
                    case X25519 -> TlvType.ENC_X25519;
                    case RSA_2048 -> TlvType.ENC_RSA2048;
                    default ->
                            throw new IllegalArgumentException(
                                    type.cliName()
                                            + " keys cannot encrypt images: use ecdsa-p256, x25519 or rsa-2048");
                };
        try {
            return new EncryptionKey(
                    tlv, PublicKeyFactory.createKey(key.getEncoded()), null, type.cliName());
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed public key", e);
        }
    }

    /** A shared AES key-encryption key (16 or 32 bytes) for RFC 3394 key wrap (ENC_KW). */
    public static EncryptionKey aesKeyWrap(byte[] kek) {
        if (kek.length != 16 && kek.length != 32) {
            throw new IllegalArgumentException(
                    "AES key-wrap key must be 16 or 32 bytes, got " + kek.length);
        }
        return new EncryptionKey(TlvType.ENC_KW, null, kek.clone(), "aes-kw-" + kek.length * 8);
    }

    /** TLV type this key produces. */
    public int tlvType() {
        return tlvType;
    }

    /** Wraps the image's AES key ({@code 16} or {@code 32} bytes) into the TLV MCUboot reads. */
    public Tlv wrap(byte[] imageKey, SecureRandom random) {
        Objects.requireNonNull(random);
        if (imageKey.length != 16 && imageKey.length != 32) {
            throw new IllegalArgumentException("image key must be 16 or 32 bytes");
        }
        return switch (tlvType) {
            case TlvType.ENC_EC256 -> {
                ECPublicKeyParameters recipient = (ECPublicKeyParameters) publicParams;
                ECKeyPairGenerator gen = new ECKeyPairGenerator();
                gen.init(new ECKeyGenerationParameters(recipient.getParameters(), random));
                AsymmetricCipherKeyPair eph = gen.generateKeyPair();
                ECDHBasicAgreement agree = new ECDHBasicAgreement();
                agree.init(eph.getPrivate());
                byte[] shared =
                        BigIntegers.asUnsignedByteArray(32, agree.calculateAgreement(recipient));
                byte[] ephPub = ((ECPublicKeyParameters) eph.getPublic()).getQ().getEncoded(false);
                yield new Tlv(tlvType, Ecies.seal(ephPub, shared, imageKey));
            }
            case TlvType.ENC_X25519 -> {
                X25519KeyPairGenerator gen = new X25519KeyPairGenerator();
                gen.init(new X25519KeyGenerationParameters(random));
                AsymmetricCipherKeyPair eph = gen.generateKeyPair();
                byte[] shared = new byte[32];
                X25519Agreement agree = new X25519Agreement();
                agree.init(eph.getPrivate());
                agree.calculateAgreement(publicParams, shared, 0);
                byte[] ephPub = ((X25519PublicKeyParameters) eph.getPublic()).getEncoded();
                yield new Tlv(tlvType, Ecies.seal(ephPub, shared, imageKey));
            }
            case TlvType.ENC_RSA2048 -> {
                OAEPEncoding oaep =
                        new OAEPEncoding(
                                new RSAEngine(), new SHA256Digest(), new SHA256Digest(), null);
                oaep.init(true, new ParametersWithRandom(publicParams, random));
                try {
                    yield new Tlv(tlvType, oaep.processBlock(imageKey, 0, imageKey.length));
                } catch (org.bouncycastle.crypto.InvalidCipherTextException e) {
                    throw new IllegalStateException("RSA-OAEP wrapping failed", e);
                }
            }
            case TlvType.ENC_KW -> {
                AESWrapEngine kw = new AESWrapEngine();
                kw.init(true, new KeyParameter(kek));
                yield new Tlv(tlvType, kw.wrap(imageKey, 0, imageKey.length));
            }
            default -> throw new IllegalStateException("unreachable");
        };
    }

    @Override
    public String toString() {
        return description + " encryption key (" + TlvType.name(tlvType) + ")";
    }
}
