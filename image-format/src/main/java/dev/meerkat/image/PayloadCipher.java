package dev.meerkat.image;

import dev.meerkat.image.ImageFormatException.Problem;
import java.util.Objects;

/**
 * MCUboot's payload encryption (AES-CTR, counter 0 at the first payload byte) with random access: a
 * device decrypts an image in place in its slot, a sector at a time, in any order, after a reset as
 * well as in one pass. Header and TLVs are never encrypted.
 */
public final class PayloadCipher {

    private final AesCtr ctr;
    private final long payloadStart;
    private final long payloadEnd;

    private PayloadCipher(byte[] key, ImageHeader header) {
        this.ctr = new AesCtr(key);
        this.payloadStart = header.headerSize();
        this.payloadEnd = payloadStart + header.imageSize();
    }

    /**
     * The cipher of an encrypted image, with the AES key {@code keys} unwraps from the image's key
     * TLV.
     *
     * @throws ImageFormatException when the image is not encrypted, has no key TLV, or the key does
     *     not unwrap
     */
    public static PayloadCipher forImage(ParsedImage image, ImageKeyUnwrapper keys)
            throws ImageFormatException {
        Objects.requireNonNull(keys);
        ImageHeader h = image.header();
        if (!h.isEncrypted()) {
            throw new ImageFormatException(
                    Problem.UNSUPPORTED,
                    16,
                    "image is not encrypted (flags 0x" + Integer.toHexString(h.flags()) + ")");
        }
        TlvEntry enc =
                image.tlvs().stream()
                        .filter(e -> TlvType.isEncryptionKey(e.type()))
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new ImageFormatException(
                                                Problem.BAD_ENCRYPTION,
                                                image.header().tlvOffset(),
                                                "encrypted image without a key TLV"));
        byte[] key = keys.unwrap(enc.tlv(), h.aesKeyLength(), enc.offset());
        return new PayloadCipher(key, h);
    }

    /** Image offset of the first payload byte. */
    public long payloadStart() {
        return payloadStart;
    }

    /** Image offset just past the payload. */
    public long payloadEnd() {
        return payloadEnd;
    }

    /**
     * Transforms (decrypts or encrypts) in place the {@code len} bytes of {@code buf} at {@code
     * off} that hold the image's bytes from image offset {@code at}; bytes outside the payload are
     * left alone.
     */
    public void apply(long at, byte[] buf, int off, int len) {
        long from = Math.max(at, payloadStart);
        long to = Math.min(at + len, payloadEnd);
        if (from >= to) {
            return;
        }
        ctr.seek(from - payloadStart);
        ctr.update(buf, off + (int) (from - at), (int) (to - from));
    }
}
