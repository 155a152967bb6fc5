package dev.meerkat.chip.atcacert;

/** Where a rebuilt certificate's serial number comes from (high nibble of compressed byte 70). */
public enum SnSource {
    /** Stored on the device (not in the compressed certificate). */
    STORED(0x0),
    /** 0x40 followed by the nine-byte device serial number. */
    DEVICE_SN(0x8),
    /** 0x40 followed by the two-byte signer ID. */
    SIGNER_ID(0x9),
    /** SHA-256(public key X||Y || encoded dates), cut to the template's length, top bits 01. */
    PUB_KEY_HASH(0xA),
    /**
     * SHA-256(device serial number || encoded dates), cut to the template's length, top bits 01.
     */
    DEVICE_SN_HASH(0xB);

    private final int code;

    SnSource(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static SnSource of(int code) {
        for (SnSource s : values()) {
            if (s.code == code) return s;
        }
        throw new IllegalArgumentException(
                "serial number source 0x" + Integer.toHexString(code) + " is not supported");
    }
}
