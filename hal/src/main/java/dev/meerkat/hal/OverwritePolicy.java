package dev.meerkat.hal;

/** What a program (write) operation may do to bytes that are not in the erased state. */
public enum OverwritePolicy {
    /**
     * A write may only clear bits: programming a 1 over a 0 is an error, programming a 0 over a 1
     * or the same value again is allowed (classic NOR behaviour).
     */
    CLEAR_BITS_ONLY,
    /**
     * Every written byte must still be erased ({@code 0xFF}); any second write to a byte is an
     * error. This is what parts with per-word ECC (many STM32 and nRF families) enforce, and the
     * strictest model a flash user has to cope with.
     */
    ERASED_ONLY
}
