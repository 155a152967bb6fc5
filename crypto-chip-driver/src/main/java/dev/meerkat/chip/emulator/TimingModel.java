package dev.meerkat.chip.emulator;

/** How the emulator models command execution time. */
public enum TimingModel {
    /** Responses are ready at once (tests). */
    ZERO,
    /**
     * The chip stays busy (reads are not acknowledged) for the datasheet maximum execution time.
     */
    DATASHEET
}
