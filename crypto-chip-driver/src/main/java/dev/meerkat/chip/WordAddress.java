package dev.meerkat.chip;

/** The first byte of every I2C write to the chip selects what the write means. */
public final class WordAddress {
    /**
     * Resets the address counter of the I/O buffer (the next read starts at the response start).
     */
    public static final int RESET = 0x00;

    /** Enter sleep: volatile state (TempKey, SHA context, message digest buffer) is lost. */
    public static final int SLEEP = 0x01;

    /** Enter idle: volatile state is kept, the watchdog stops. */
    public static final int IDLE = 0x02;

    /** A command packet follows. */
    public static final int COMMAND = 0x03;

    private WordAddress() {}
}
