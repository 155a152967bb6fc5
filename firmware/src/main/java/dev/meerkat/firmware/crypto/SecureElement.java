package dev.meerkat.firmware.crypto;

import dev.meerkat.image.ImageFormatException;
import dev.meerkat.image.Tlv;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.KeyManager;

/**
 * Where the device's private keys live. The firmware never needs the key bytes: it asks for TLS
 * client-authentication key managers (the private key may be a handle into a crypto chip's JCA
 * provider) and for the unwrapping of an image's AES key (ECDH inside the chip when there is one).
 * {@link SoftwareSecureElement} keeps the keys in memory; a crypto chip plugs in here.
 */
public interface SecureElement {

    /** A short description for Sys.GetInfo (e.g. "software", "ATECC608A"). */
    String kind();

    /** The device certificate, if provisioned. */
    Optional<X509Certificate> certificate();

    /** Key managers presenting the device certificate in TLS handshakes; empty when none. */
    KeyManager[] tlsKeyManagers() throws GeneralSecurityException;

    /** Whether the device can decrypt encrypted images. */
    boolean canDecryptImages();

    /**
     * Recovers the AES key of an encrypted image from its ENC_* TLV.
     *
     * @throws ImageFormatException when the TLV was made for another key or is malformed
     */
    byte[] unwrapImageKey(Tlv encryptedKey, int keyLength, long tlvOffset)
            throws ImageFormatException;
}
