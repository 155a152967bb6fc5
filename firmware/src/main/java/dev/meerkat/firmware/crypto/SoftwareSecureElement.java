package dev.meerkat.firmware.crypto;

import dev.meerkat.image.DecryptionKey;
import dev.meerkat.image.ImageFormatException;
import dev.meerkat.image.Tlv;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;

/** Keys held in memory: the stand-in for a crypto chip on devices (and in tests) without one. */
public final class SoftwareSecureElement implements SecureElement {

    private final PrivateKey tlsKey;
    private final List<X509Certificate> chain;
    private final DecryptionKey imageKey;

    /**
     * @param tlsKey private key of the device certificate, or null
     * @param chain device certificate first, then intermediates (empty when no key)
     * @param imageKey key for encrypted images, or null
     */
    public SoftwareSecureElement(
            PrivateKey tlsKey, List<X509Certificate> chain, DecryptionKey imageKey) {
        this.tlsKey = tlsKey;
        this.chain = List.copyOf(chain);
        this.imageKey = imageKey;
        if (tlsKey != null && this.chain.isEmpty()) {
            throw new IllegalArgumentException("a TLS key needs its certificate");
        }
    }

    /** No keys at all. */
    public static SoftwareSecureElement empty() {
        return new SoftwareSecureElement(null, List.of(), null);
    }

    @Override
    public String kind() {
        return "software";
    }

    @Override
    public Optional<X509Certificate> certificate() {
        return chain.isEmpty() ? Optional.empty() : Optional.of(chain.get(0));
    }

    @Override
    public KeyManager[] tlsKeyManagers() throws GeneralSecurityException {
        if (tlsKey == null) {
            return new KeyManager[0];
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        char[] pw = "device".toCharArray();
        ks.setKeyEntry("device", tlsKey, pw, chain.toArray(new Certificate[0]));
        KeyManagerFactory kmf =
                KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        return kmf.getKeyManagers();
    }

    @Override
    public boolean canDecryptImages() {
        return imageKey != null;
    }

    @Override
    public byte[] unwrapImageKey(Tlv encryptedKey, int keyLength, long tlvOffset)
            throws ImageFormatException {
        if (imageKey == null) {
            throw new ImageFormatException(
                    ImageFormatException.Problem.ENCRYPTED,
                    tlvOffset,
                    "image is encrypted and this device has no decryption key");
        }
        return imageKey.unwrap(encryptedKey, keyLength, tlvOffset);
    }
}
