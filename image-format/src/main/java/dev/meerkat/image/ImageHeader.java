package dev.meerkat.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 32-byte MCUboot image header (little-endian), followed in the image by zero padding up to
 * {@link #headerSize()} bytes.
 */
public record ImageHeader(
        long loadAddress,
        int headerSize,
        int protectedTlvSize,
        long imageSize,
        int flags,
        ImageVersion version) {

    public static final int MAGIC = 0x96f3b83d;

    /** Bytes of the fixed header structure; {@link #headerSize()} may be larger. */
    public static final int SIZE = 32;

    public static final int FLAG_PIC = 0x01;
    public static final int FLAG_ENCRYPTED_AES128 = 0x04;
    public static final int FLAG_ENCRYPTED_AES256 = 0x08;
    public static final int FLAG_NON_BOOTABLE = 0x10;
    public static final int FLAG_RAM_LOAD = 0x20;
    public static final int FLAG_ROM_FIXED = 0x100;

    public ImageHeader {
        if (headerSize < SIZE || headerSize > 0xFFFF) {
            throw new IllegalArgumentException("header size " + headerSize + " outside 32..65535");
        }
        if (protectedTlvSize < 0 || protectedTlvSize > 0xFFFF) {
            throw new IllegalArgumentException(
                    "protected TLV size " + protectedTlvSize + " outside 0..65535");
        }
        if (imageSize < 0 || imageSize > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(
                    "image size " + imageSize + " outside 0..4294967295");
        }
        if (loadAddress < 0 || loadAddress > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(
                    "load address " + loadAddress + " outside 32-bit range");
        }
        if (version == null) throw new IllegalArgumentException("version is required");
    }

    /** Decodes the first 32 bytes of an image. */
    public static ImageHeader decode(byte[] raw) throws ImageFormatException {
        if (raw.length < SIZE) {
            throw new ImageFormatException(
                    ImageFormatException.Problem.TRUNCATED,
                    0,
                    "image is " + raw.length + " bytes, shorter than the 32-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(raw, 0, SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt();
        if (magic != MAGIC) {
            throw new ImageFormatException(
                    ImageFormatException.Problem.BAD_MAGIC,
                    0,
                    String.format("header magic is 0x%08x, expected 0x%08x", magic, MAGIC));
        }
        long load = Integer.toUnsignedLong(b.getInt());
        int hdrSize = Short.toUnsignedInt(b.getShort());
        int protSize = Short.toUnsignedInt(b.getShort());
        long imgSize = Integer.toUnsignedLong(b.getInt());
        int flags = b.getInt();
        int major = Byte.toUnsignedInt(b.get());
        int minor = Byte.toUnsignedInt(b.get());
        int revision = Short.toUnsignedInt(b.getShort());
        long build = Integer.toUnsignedLong(b.getInt());
        if (hdrSize < SIZE) {
            throw new ImageFormatException(
                    ImageFormatException.Problem.BAD_HEADER,
                    8,
                    "hdr_size " + hdrSize + " is smaller than the 32-byte header");
        }
        return new ImageHeader(
                load,
                hdrSize,
                protSize,
                imgSize,
                flags,
                new ImageVersion(major, minor, revision, build));
    }

    /** The 32 header bytes. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC)
                .putInt((int) loadAddress)
                .putShort((short) headerSize)
                .putShort((short) protectedTlvSize)
                .putInt((int) imageSize)
                .putInt(flags)
                .put((byte) version.major())
                .put((byte) version.minor())
                .putShort((short) version.revision())
                .putInt((int) version.build())
                .putInt(0);
        return b.array();
    }

    public boolean isEncrypted() {
        return (flags & (FLAG_ENCRYPTED_AES128 | FLAG_ENCRYPTED_AES256)) != 0;
    }

    /** AES key length in bytes for an encrypted image, 0 when not encrypted. */
    public int aesKeyLength() {
        if ((flags & FLAG_ENCRYPTED_AES256) != 0) return 32;
        if ((flags & FLAG_ENCRYPTED_AES128) != 0) return 16;
        return 0;
    }

    /** Offset of the first TLV area (protected if present, else unprotected). */
    public long tlvOffset() {
        return headerSize + imageSize;
    }

    /** End of the region covered by the image hash and signature. */
    public long hashedLength() {
        return headerSize + imageSize + protectedTlvSize;
    }
}
