package dev.meerkat.image;

/**
 * Recovers the AES key of an encrypted image from its ENC_* TLV: a device's secure element (the
 * private key never leaves it), or a {@link DecryptionKey} on a host.
 */
@FunctionalInterface
public interface ImageKeyUnwrapper {

    /**
     * @param encryptedKey the image's ENC_RSA2048 / ENC_KW / ENC_EC256 / ENC_X25519 TLV
     * @param keyLength AES key length in bytes the header announces
     * @param tlvOffset where the TLV sits in the image, for error messages
     * @throws ImageFormatException when the TLV was made for another key or is malformed
     */
    byte[] unwrap(Tlv encryptedKey, int keyLength, long tlvOffset) throws ImageFormatException;
}
