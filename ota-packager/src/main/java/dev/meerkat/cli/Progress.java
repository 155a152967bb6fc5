package dev.meerkat.cli;

import java.io.PrintWriter;
import java.util.function.LongConsumer;

/**
 * Progress of a long operation on stderr: a redrawn bar on a terminal; elsewhere (pipes, CI logs)
 * one line every 2 s once the operation has taken 2 s, so a log shows it is alive without filling
 * up. Silent when quiet, and the bar is skipped for small work.
 */
public final class Progress implements LongConsumer, AutoCloseable {
    /** How progress is shown. */
    public enum Mode {
        BAR,
        LINES,
        OFF
    }

    private static final long MIN_BAR_SIZE = 32L << 20;
    private static final long LINE_INTERVAL_NANOS = 2_000_000_000L;
    private final PrintWriter err;
    private final String label;
    private final long total;
    private final Mode mode;
    private final long started = System.nanoTime();
    private long lastLine = started;
    private int lastPercent = -1;

    public Progress(PrintWriter err, String label, long total, Mode mode) {
        this.err = err;
        this.label = label;
        this.total = total;
        this.mode = mode == Mode.BAR && total < MIN_BAR_SIZE ? Mode.OFF : mode;
    }

    /** A bar when {@code enabled}, else nothing. */
    public Progress(PrintWriter err, String label, long total, boolean enabled) {
        this(err, label, total, enabled ? Mode.BAR : Mode.OFF);
    }

    /** A bar on an interactive terminal, lines elsewhere, nothing when quiet. */
    public static Mode mode(boolean quiet) {
        if (quiet) return Mode.OFF;
        return System.console() != null && System.getenv("CI") == null ? Mode.BAR : Mode.LINES;
    }

    /** True on a terminal that is not asked to be quiet. */
    public static boolean interactive(boolean quiet) {
        return mode(quiet) == Mode.BAR;
    }

    @Override
    public void accept(long done) {
        if (mode == Mode.OFF) return;
        int percent = (int) (done * 100 / Math.max(total, 1));
        if (mode == Mode.LINES) {
            long now = System.nanoTime();
            if (now - lastLine < LINE_INTERVAL_NANOS) return;
            lastLine = now;
            err.printf(
                    "%s: %d%% (%,d of %,d MiB, %d s)%n",
                    label, percent, done >> 20, total >> 20, (now - started) / 1_000_000_000L);
            err.flush();
            return;
        }
        if (percent == lastPercent) return;
        lastPercent = percent;
        int width = 30;
        int filled = percent * width / 100;
        err.printf(
                "\r%-10s [%s%s] %3d%% %,d MiB",
                label, "#".repeat(filled), ".".repeat(width - filled), percent, done >> 20);
        err.flush();
    }

    @Override
    public void close() {
        if (mode == Mode.BAR && lastPercent >= 0) {
            err.print("\r" + " ".repeat(70) + "\r");
            err.flush();
        }
    }
}
