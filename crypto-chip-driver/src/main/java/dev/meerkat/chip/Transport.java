package dev.meerkat.chip;

/**
 * The physical link to one chip. An I2C implementation writes {@code [word address][bytes]} frames
 * ({@link WordAddress}); the emulator and the kit protocol client implement the same calls.
 * Implementations throw {@link ChipCommunicationException} when the chip does not acknowledge.
 */
public interface Transport extends AutoCloseable {
    /**
     * Sends the wake pulse and returns the four-byte block read back (normally {@link
     * Packet#WAKE_RESPONSE}).
     */
    byte[] sendWake();

    /** Writes a command packet (word address 0x03 on I2C). */
    void send(byte[] packet);

    /** Reads one response packet; throws if the chip is still busy (NACK) or asleep. */
    byte[] receive();

    /** Puts the chip in idle mode (word address 0x02): TempKey survives. */
    void idle();

    /** Puts the chip to sleep (word address 0x01): volatile state is lost. */
    void sleep();

    @Override
    default void close() {}
}
