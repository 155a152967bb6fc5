package dev.meerkat.firmware.crypto;

import dev.meerkat.chip.ChipException;
import dev.meerkat.chip.CryptoChip;
import dev.meerkat.chip.jca.ChipPrivateKey;
import dev.meerkat.chip.jca.ChipProvider;
import dev.meerkat.chip.jca.EcKeys;
import dev.meerkat.image.EncryptionKey;
import dev.meerkat.image.ImageFormatException;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.Tlv;
import dev.meerkat.image.TlvType;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Security;
import java.security.interfaces.ECPublicKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;

/**
 * The device's keys inside an ATECC608 (see {@link DeviceChip} for the slot layout). Nothing
 * secret ever leaves the chip:
 *
 * <ul>
 *   <li>TLS client authentication: the key manager hands JSSE a {@link ChipPrivateKey} for the
 *       identity slot; the chip's JCA provider ({@link ChipProvider}, registered on first use)
 *       signs the handshake inside the chip;</li>
 *   <li>encrypted images (ENC_EC256, MCUboot's ECIES-P256): the ECDH with the image's ephemeral
 *       key runs inside the chip on the image-key slot (JCA {@code KeyAgreement "ECDH"} routed to
 *       the chip); HKDF-SHA256 ("MCUBoot_ECIES_v1"), the HMAC check and the AES-CTR unwrap of the
 *       image key run on the host, as on an MCU.</li>
 * </ul>
 *
 * The driver serialises commands, so several threads (TLS handshakes on network threads, the OTA
 * client on the main loop) may use one chip.
 */
public final class ChipSecureElement implements SecureElement {

    private static final byte[] ECIES_INFO = "MCUBoot_ECIES_v1".getBytes(StandardCharsets.US_ASCII);
    private static final X9ECParameters P256 = CustomNamedCurves.getByName("secp256r1");

    private final CryptoChip chip;
    private final ChipPrivateKey tlsKey;
    private final ChipPrivateKey imageKey;
    private final List<X509Certificate> chain;

    /**
     * @param chip  a personalised chip ({@link DeviceChip#personalize})
     * @param chain the certificate of the identity key first, then intermediates; empty before the
     *              device has been issued one
     */
    public ChipSecureElement(CryptoChip chip, List<X509Certificate> chain) {
        registerProvider();
        this.chip = chip;
        this.tlsKey = ChipPrivateKey.of(chip, DeviceChip.TLS_KEY_SLOT);
        this.imageKey = ChipPrivateKey.of(chip, DeviceChip.IMAGE_KEY_SLOT);
        this.chain = List.copyOf(chain);
        if (!this.chain.isEmpty() && !Arrays.equals(EcKeys.raw((ECPublicKey) this.chain.get(0).getPublicKey()),
                EcKeys.raw(tlsKey.publicKey()))) {
            throw new IllegalArgumentException("the certificate is not for the chip's identity key");
        }
    }

    /** Registers the chip's JCA provider once per JVM (after the built-in ones). */
    public static synchronized void registerProvider() {
        if (Security.getProvider(ChipProvider.NAME) == null) {
            Security.addProvider(new ChipProvider());
        }
    }

    /** A copy with the device certificate (and its intermediates) installed. */
    public ChipSecureElement withCertificate(List<X509Certificate> certificateChain) {
        return new ChipSecureElement(chip, certificateChain);
    }

    public CryptoChip chip() {
        return chip;
    }

    /** Public half of the identity key (what a CSR or a certificate is made for). */
    public ECPublicKey identityPublicKey() {
        return tlsKey.publicKey();
    }

    /** Public half of the image key: release tools encrypt images to it. */
    public EncryptionKey imageEncryptionKey() {
        return EncryptionKey.of(KeyType.ECDSA_P256, imageKey.publicKey());
    }

    @Override
    public String kind() {
        return chip.type().name();
    }

    @Override
    public Optional<X509Certificate> certificate() {
        return chain.isEmpty() ? Optional.empty() : Optional.of(chain.get(0));
    }

    @Override
    public KeyManager[] tlsKeyManagers() {
        if (chain.isEmpty()) {
            return new KeyManager[0];
        }
        return new KeyManager[] {new ChipKeyManager()};
    }

    @Override
    public boolean canDecryptImages() {
        return true;
    }

    @Override
    public byte[] unwrapImageKey(Tlv encryptedKey, int keyLength, long tlvOffset) throws ImageFormatException {
        if (encryptedKey.type() != TlvType.ENC_EC256) {
            throw new ImageFormatException(ImageFormatException.Problem.BAD_ENCRYPTION, tlvOffset, "image key is "
                    + "wrapped as " + encryptedKey.name() + "; this device's chip holds an ENC_EC256 (P-256) key");
        }
        if (keyLength != 16 && keyLength != 32) {
            throw new ImageFormatException(ImageFormatException.Problem.BAD_ENCRYPTION, tlvOffset,
                    "unsupported AES key length " + keyLength);
        }
        byte[] v = encryptedKey.value();
        if (v.length != 65 + 32 + keyLength) {
            throw new ImageFormatException(ImageFormatException.Problem.BAD_ENCRYPTION, tlvOffset,
                    "ENC_EC256 value is " + v.length + " bytes, expected " + (65 + 32 + keyLength));
        }
        byte[] ephemeral = Arrays.copyOf(v, 65);
        byte[] tag = Arrays.copyOfRange(v, 65, 97);
        byte[] wrapped = Arrays.copyOfRange(v, 97, v.length);
        ECPublicKey peer;
        try {
            // decodePoint refuses points off the curve before the chip sees them
            P256.getCurve().decodePoint(ephemeral);
            peer = EcKeys.publicKey(Arrays.copyOfRange(ephemeral, 1, 65));
        } catch (IllegalArgumentException e) {
            throw new ImageFormatException(ImageFormatException.Problem.BAD_ENCRYPTION, tlvOffset,
                    "ENC_EC256 ephemeral key is not a P-256 point");
        }
        try {
            KeyAgreement ka = KeyAgreement.getInstance("ECDH");
            ka.init(imageKey);
            ka.doPhase(peer, true);
            byte[] shared = ka.generateSecret();
            byte[] derived = hkdf(shared, keyLength + 32);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(derived, keyLength, 32, "HmacSHA256"));
            if (!MessageDigest.isEqual(mac.doFinal(wrapped), tag)) {
                throw new ImageFormatException(ImageFormatException.Problem.BAD_ENCRYPTION, tlvOffset,
                        "ENC_EC256 does not unwrap with this device's key (image made for another device, or tampered)");
            }
            Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
            ctr.init(Cipher.DECRYPT_MODE, new SecretKeySpec(derived, 0, keyLength, "AES"),
                    new IvParameterSpec(new byte[16]));
            return ctr.doFinal(wrapped);
        } catch (InvalidKeyException e) {
            throw new ImageFormatException(ImageFormatException.Problem.BAD_ENCRYPTION, tlvOffset,
                    "ECDH in the chip failed: " + e.getMessage());
        } catch (GeneralSecurityException | ChipException e) {
            throw new IllegalStateException("image key unwrap failed: " + e.getMessage(), e);
        }
    }

    /** HKDF-SHA256 (RFC 5869) with an empty salt and MCUboot's ECIES info string. */
    static byte[] hkdf(byte[] secret, int length) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
        byte[] prk = mac.doFinal(secret);
        mac.init(new SecretKeySpec(prk, "HmacSHA256"));
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        int pos = 0;
        for (int i = 1; pos < length; i++) {
            mac.update(t);
            mac.update(ECIES_INFO);
            mac.update((byte) i);
            t = mac.doFinal();
            int n = Math.min(t.length, length - pos);
            System.arraycopy(t, 0, out, pos, n);
            pos += n;
        }
        return out;
    }

    /** Presents the chip-held identity key and its chain for client authentication. */
    private final class ChipKeyManager extends X509ExtendedKeyManager {
        private static final String ALIAS = "device";

        private String alias(String[] keyTypes) {
            if (keyTypes == null) {
                return ALIAS;
            }
            for (String t : keyTypes) {
                if (t.equals("EC") || t.startsWith("EC_") || t.equals("ECDSA")) {
                    return ALIAS;
                }
            }
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return alias(keyType);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return alias(keyType);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return alias(new String[] {keyType}) == null ? null : new String[] {ALIAS};
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.toArray(new X509Certificate[0]) : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? tlsKey : null;
        }
    }
}
