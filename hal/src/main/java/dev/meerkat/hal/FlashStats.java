package dev.meerkat.hal;

/**
 * Operation counters of a flash part since it was opened.
 *
 * @param reads read operations
 * @param bytesRead bytes read
 * @param writes write (program) operations
 * @param bytesWritten bytes programmed
 * @param erases sector erase operations
 */
public record FlashStats(long reads, long bytesRead, long writes, long bytesWritten, long erases) {

    public static final FlashStats ZERO = new FlashStats(0, 0, 0, 0, 0);

    /** Operations that change the part (writes plus erases); the unit of power-cut injection. */
    public long mutations() {
        return writes + erases;
    }

    /** Counters accumulated between {@code earlier} and this snapshot. */
    public FlashStats minus(FlashStats earlier) {
        return new FlashStats(
                reads - earlier.reads,
                bytesRead - earlier.bytesRead,
                writes - earlier.writes,
                bytesWritten - earlier.bytesWritten,
                erases - earlier.erases);
    }

    /** Sum of two sets of counters. */
    public FlashStats plus(FlashStats other) {
        return new FlashStats(
                reads + other.reads,
                bytesRead + other.bytesRead,
                writes + other.writes,
                bytesWritten + other.bytesWritten,
                erases + other.erases);
    }
}
