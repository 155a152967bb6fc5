package dev.meerkat.image;

import dev.meerkat.image.ImageFormatException.Problem;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Turns an encrypted image into its plaintext form, as the updater does before writing a slot:
 * either the whole image with the payload decrypted (header and TLVs unchanged, so the hash and
 * signature still verify with {@link ImageVerifier#withPlaintextBody()}), or the payload alone.
 */
public final class ImageDecryptor {
    private ImageDecryptor() {}

    /**
     * Streams the decrypted image (or only its payload when {@code payloadOnly}) to {@code out}.
     * Callers should verify the image first; this method does not check the hash.
     */
    public static void decrypt(
            ImageSource src, DecryptionKey key, OutputStream out, boolean payloadOnly)
            throws ImageFormatException, IOException {
        ParsedImage img = ParsedImage.parse(src);
        ImageHeader h = img.header();
        if (!h.isEncrypted()) {
            throw new ImageFormatException(
                    Problem.UNSUPPORTED,
                    16,
                    "image is not encrypted (flags 0x" + Integer.toHexString(h.flags()) + ")");
        }
        AesCtr ctr = new AesCtr(ImageVerifier.imageKey(img, key));
        long bodyStart = h.headerSize();
        long bodyEnd = bodyStart + h.imageSize();
        long from = payloadOnly ? bodyStart : 0;
        long to = payloadOnly ? bodyEnd : src.size();
        byte[] buf = new byte[ImageVerifier.CHUNK];
        long pos = from;
        while (pos < to) {
            long limit = pos < bodyStart ? bodyStart : pos < bodyEnd ? bodyEnd : to;
            int n = (int) Math.min(buf.length, limit - pos);
            src.read(pos, buf, 0, n);
            if (pos >= bodyStart && pos < bodyEnd) ctr.update(buf, 0, n);
            out.write(buf, 0, n);
            pos += n;
        }
    }
}
