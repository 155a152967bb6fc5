package dev.meerkat.image;

import dev.meerkat.image.ImageFormatException.Problem;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The codec of an MCUboot TLV area, used both to write one ({@link ImageSigner}) and to read one
 * ({@link ParsedImage}): a 4-byte info header (u16 magic, u16 total length including the header),
 * then entries of u16 type, u16 length and the value, all little-endian.
 */
final class TlvArea {

    /** Bytes of the info header. */
    static final int INFO_SIZE = 4;

    private TlvArea() {}

    /** Bytes the area holding {@code tlvs} takes, info header included. */
    static int encodedSize(List<Tlv> tlvs) {
        int total = INFO_SIZE;
        for (Tlv t : tlvs) total += t.encodedSize();
        return total;
    }

    /** The area with info header {@code magic} holding {@code tlvs} in order. */
    static byte[] encode(int magic, List<Tlv> tlvs) {
        int total = encodedSize(tlvs);
        if (total > 0xFFFF) throw new IllegalArgumentException("TLV area exceeds 65535 bytes");
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) magic).putShort((short) total);
        for (Tlv t : tlvs) b.putShort((short) t.type()).putShort((short) t.length()).put(t.value());
        return b.array();
    }

    /** Magic of an info header. */
    static int magic(byte[] info) {
        return (info[0] & 0xFF) | (info[1] & 0xFF) << 8;
    }

    /** Total length (info header included) of an info header. */
    static int total(byte[] info) {
        return (info[2] & 0xFF) | (info[3] & 0xFF) << 8;
    }

    /**
     * The entries of an area's body (the bytes after its info header).
     *
     * @param bodyOffset image offset of the body, for entry offsets and error messages
     * @param what "TLV area" or "protected TLV area", for error messages
     */
    static List<TlvEntry> decodeEntries(
            byte[] body, long bodyOffset, boolean isProtected, String what)
            throws ImageFormatException {
        ByteBuffer b = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        List<TlvEntry> out = new ArrayList<>();
        while (b.hasRemaining()) {
            long at = bodyOffset + b.position();
            if (b.remaining() < 4) {
                throw new ImageFormatException(
                        Problem.BAD_TLV,
                        at,
                        what + " ends inside a TLV header (" + b.remaining() + " bytes left)");
            }
            int type = Short.toUnsignedInt(b.getShort());
            int len = Short.toUnsignedInt(b.getShort());
            if (len > b.remaining()) {
                throw new ImageFormatException(
                        Problem.BAD_TLV,
                        at,
                        "TLV "
                                + TlvType.name(type)
                                + " (0x"
                                + Integer.toHexString(type)
                                + ") claims "
                                + len
                                + " bytes but only "
                                + b.remaining()
                                + " remain in the "
                                + what);
            }
            byte[] v = new byte[len];
            b.get(v);
            out.add(new TlvEntry(at, isProtected, new Tlv(type, v)));
        }
        return out;
    }
}
