package dev.meerkat.chip;

/** Non-zero status bytes a chip returns in a four-byte response. */
public enum ChipStatus {
    /** CheckMac or Verify: the MAC or signature did not match. */
    MISCOMPARE(0x01, "checkmac/verify miscompare"),
    /** Illegal opcode, parameter or length. */
    PARSE_ERROR(0x03, "parse error"),
    /** ECC computation fault; retrying may succeed. */
    ECC_FAULT(0x05, "ECC processing fault"),
    /** A self test failed; crypto commands are refused until a SelfTest passes. */
    SELF_TEST_ERROR(0x07, "self test error"),
    /** The RNG health test failed. */
    HEALTH_TEST_ERROR(0x08, "health test error"),
    /** The command could not run in the chip's current state (locks, permissions, TempKey). */
    EXECUTION_ERROR(0x0F, "execution error"),
    /** The answer to a wake pulse; as a command status it means the command was not executed. */
    AFTER_WAKE(0x11, "after wake, prior to first command"),
    /** The watchdog is about to expire; nothing executed. */
    WATCHDOG_EXPIRING(0xEE, "watchdog about to expire"),
    /** The chip saw a CRC or other communication error on the command. */
    CRC_OR_COMM_ERROR(0xFF, "CRC or other communication error");

    private final int code;
    private final String description;

    ChipStatus(int code, String description) {
        this.code = code;
        this.description = description;
    }

    public int code() {
        return code;
    }

    public String description() {
        return description;
    }

    /** The status for a code, or null if the code is not a known error status. */
    public static ChipStatus of(int code) {
        for (ChipStatus s : values()) if (s.code == (code & 0xFF)) return s;
        return null;
    }
}
