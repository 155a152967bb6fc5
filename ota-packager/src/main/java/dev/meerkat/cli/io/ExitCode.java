package dev.meerkat.cli.io;

/** Exit codes every meerkat command uses, so scripts can rely on them. */
public final class ExitCode {
    /** Success; for verify: the image or package is valid. */
    public static final int OK = 0;

    /**
     * The input was examined and is invalid (bad signature, hash mismatch, malformed, tampered).
     */
    public static final int INVALID = 1;

    /** Wrong usage: unknown option, missing argument, contradictory options. */
    public static final int USAGE = 2;

    /** A file could not be read or written, or another environment failure. */
    public static final int IO = 3;

    private ExitCode() {}
}
