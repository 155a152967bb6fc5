package dev.meerkat.firmware.crypto;

import dev.meerkat.chip.ChipException;
import dev.meerkat.chip.CryptoChip;
import dev.meerkat.chip.jca.ChipKeyManager;
import dev.meerkat.chip.jca.ChipPrivateKey;
import dev.meerkat.chip.jca.ChipProvider;
import dev.meerkat.chip.jca.EcKeys;
import dev.meerkat.image.DecryptionKey;
import dev.meerkat.image.EncryptionKey;
import dev.meerkat.image.ImageFormatException;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.Tlv;
import java.security.GeneralSecurityException;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.crypto.KeyAgreement;
import javax.net.ssl.KeyManager;

/**
 * The device's keys inside an ATECC608 (see {@link DeviceChip} for the slot layout). Nothing secret
 * ever leaves the chip:
 *
 * <ul>
 *   <li>TLS client authentication: the key manager hands JSSE a {@link ChipPrivateKey} for the
 *       identity slot; the chip's JCA provider ({@link ChipProvider}, registered on first use)
 *       signs the handshake inside the chip;
 *   <li>encrypted images (ENC_EC256, MCUboot's ECIES-P256): the ECDH with the image's ephemeral key
 *       runs inside the chip on the image-key slot (JCA {@code KeyAgreement "ECDH"} routed to the
 *       chip); HKDF-SHA256 ("MCUBoot_ECIES_v1"), the HMAC check and the AES-CTR unwrap of the image
 *       key run on the host, as on an MCU.
 * </ul>
 *
 * The driver serialises commands, so several threads (TLS handshakes on network threads, the OTA
 * client on the main loop) may use one chip.
 */
public final class ChipSecureElement implements SecureElement {

    private final CryptoChip chip;
    private final ChipPrivateKey tlsKey;
    private final ChipPrivateKey imageKey;
    private final List<X509Certificate> chain;

    /**
     * @param chip a personalised chip ({@link DeviceChip#personalize})
     * @param chain the certificate of the identity key first, then intermediates; empty before the
     *     device has been issued one
     */
    public ChipSecureElement(CryptoChip chip, List<X509Certificate> chain) {
        registerProvider();
        this.chip = chip;
        this.tlsKey = ChipPrivateKey.of(chip, DeviceChip.TLS_KEY_SLOT);
        this.imageKey = ChipPrivateKey.of(chip, DeviceChip.IMAGE_KEY_SLOT);
        this.chain = List.copyOf(chain);
        if (!this.chain.isEmpty()
                && !Arrays.equals(
                        EcKeys.raw((ECPublicKey) this.chain.get(0).getPublicKey()),
                        EcKeys.raw(tlsKey.publicKey()))) {
            throw new IllegalArgumentException(
                    "the certificate is not for the chip's identity key");
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
        return new KeyManager[] {new ChipKeyManager(tlsKey, chain)};
    }

    @Override
    public boolean canDecryptImages() {
        return true;
    }

    @Override
    public byte[] unwrapImageKey(Tlv encryptedKey, int keyLength, long tlvOffset)
            throws ImageFormatException {
        // Only the ECDH runs in the chip; HKDF, the HMAC check and the unwrap are image-format's.
        return DecryptionKey.withAgreement(
                        KeyType.ECDSA_P256, imageKey.publicKey(), this::ecdhInChip)
                .unwrap(encryptedKey, keyLength, tlvOffset);
    }

    private byte[] ecdhInChip(byte[] ephemeralUncompressed) throws GeneralSecurityException {
        try {
            KeyAgreement ka = KeyAgreement.getInstance("ECDH");
            ka.init(imageKey);
            ka.doPhase(EcKeys.publicKey(Arrays.copyOfRange(ephemeralUncompressed, 1, 65)), true);
            return ka.generateSecret();
        } catch (ChipException e) {
            throw new GeneralSecurityException("ECDH in the chip failed: " + e.getMessage(), e);
        }
    }
}
