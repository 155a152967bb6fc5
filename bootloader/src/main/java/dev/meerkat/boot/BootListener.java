package dev.meerkat.boot;

/**
 * Observer of the bootloader's persistent decisions: a boot log. The default does nothing.
 * Simulations use it to know which flash operation wrote which record.
 */
public interface BootListener {

    /** No-op listener. */
    BootListener NONE = new BootListener() {};

    /** Called just before {@code record} is written at absolute flash {@code address}. */
    default void beforeRecordWrite(long address, BootRecord record) {}

    /** A human-readable line about a boot decision. */
    default void log(String message) {}
}
