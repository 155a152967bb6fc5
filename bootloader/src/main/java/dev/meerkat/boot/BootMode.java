package dev.meerkat.boot;

/** How the bootloader starts an image. */
public enum BootMode {
    /** A committed image. */
    NORMAL,
    /** An update on trial: it must commit before the next reset or it is reverted. */
    TEST
}
