package dev.meerkat.image;

/**
 * The one checked exception of image parsing and verification: names what is wrong and where.
 * Hostile input must never produce any other exception type.
 */
public final class ImageFormatException extends Exception {

    /** Closed set of reasons an image is rejected. */
    public enum Problem {
        TRUNCATED,
        BAD_MAGIC,
        BAD_HEADER,
        BAD_TLV_AREA,
        BAD_TLV,
        MISSING_HASH,
        HASH_MISMATCH,
        MISSING_SIGNATURE,
        UNKNOWN_KEY,
        BAD_SIGNATURE,
        ENCRYPTED,
        BAD_ENCRYPTION,
        TOO_LARGE,
        UNSUPPORTED,
        IO
    }

    private final Problem problem;
    private final long offset;

    public ImageFormatException(Problem problem, long offset, String message) {
        super(message);
        this.problem = problem;
        this.offset = offset;
    }

    public ImageFormatException(Problem problem, long offset, String message, Throwable cause) {
        super(message, cause);
        this.problem = problem;
        this.offset = offset;
    }

    public Problem problem() {
        return problem;
    }

    /** Byte offset in the image the problem was found at, or -1 if it concerns the whole image. */
    public long offset() {
        return offset;
    }

    @Override
    public String getMessage() {
        String base = super.getMessage();
        return offset >= 0
                ? "at offset " + offset + " (0x" + Long.toHexString(offset) + "): " + base
                : base;
    }
}
