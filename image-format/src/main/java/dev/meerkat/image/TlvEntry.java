package dev.meerkat.image;

/** A TLV as found in an image: where it sits and whether it is in the protected (hashed) area. */
public record TlvEntry(long offset, boolean isProtected, Tlv tlv) {
    public int type() {
        return tlv.type();
    }
}
