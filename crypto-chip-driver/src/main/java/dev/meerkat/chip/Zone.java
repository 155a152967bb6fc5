package dev.meerkat.chip;

/** Memory zones and their addressing (param2 of Read/Write). */
public final class Zone {
    public static final int CONFIG = 0;
    public static final int OTP = 1;
    public static final int DATA = 2;

    /** Param1 bit 7: access 32 bytes instead of 4. */
    public static final int SIZE_32 = 0x80;

    /** Param1 bit 6 of Write: data is encrypted and followed by a MAC. */
    public static final int ENCRYPTED = 0x40;

    public static final int CONFIG_SIZE = 128;
    public static final int OTP_SIZE = 64;
    public static final int SLOT_COUNT = 16;

    private Zone() {}

    /** Size of a data slot: 36 bytes for slots 0-7, 416 for slot 8, 72 for slots 9-15. */
    public static int slotSize(int slot) {
        if (slot < 0 || slot > 15) throw new IllegalArgumentException("slot " + slot);
        return slot < 8 ? 36 : slot == 8 ? 416 : 72;
    }

    /** Address of a word in the config or OTP zone: block in bits 3+, word offset in bits 0-2. */
    public static int address(int block, int offset) {
        return (block << 3) | (offset & 7);
    }

    /**
     * Address of a word in the data zone: block in bits 8+, slot in bits 3-6, word offset in bits
     * 0-2.
     */
    public static int dataAddress(int slot, int block, int offset) {
        return (block << 8) | (slot << 3) | (offset & 7);
    }
}
