package dev.meerkat.image;

import java.util.Arrays;
import java.util.HexFormat;

/** One type-length-value entry of an image's TLV area. Immutable. */
public record Tlv(int type, byte[] value) {

    public Tlv {
        if (type < 0 || type > 0xFFFF)
            throw new IllegalArgumentException("TLV type " + type + " outside u16");
        if (value.length > 0xFFFF)
            throw new IllegalArgumentException(
                    "TLV value of " + value.length + " bytes exceeds u16");
        value = value.clone();
    }

    @Override
    public byte[] value() {
        return value.clone();
    }

    public int length() {
        return value.length;
    }

    /** Bytes this entry occupies in the TLV area: 4-byte type/length plus value. */
    public int encodedSize() {
        return 4 + value.length;
    }

    public String name() {
        return TlvType.name(type);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tlv t && t.type == type && Arrays.equals(t.value, value);
    }

    @Override
    public int hashCode() {
        return 31 * type + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return name()
                + "(0x"
                + Integer.toHexString(type)
                + ", "
                + value.length
                + " bytes: "
                + HexFormat.of().formatHex(value)
                + ")";
    }
}
