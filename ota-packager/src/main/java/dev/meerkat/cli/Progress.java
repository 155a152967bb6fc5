package dev.meerkat.cli;

import java.io.PrintWriter;
import java.util.function.LongConsumer;

/**
 * A one-line progress bar on stderr for long operations. Silent when stderr is not an interactive
 * terminal (scripts and CI logs stay clean) or when the work is small.
 */
public final class Progress implements LongConsumer, AutoCloseable {
    private static final long MIN_SIZE = 32L << 20;
    private final PrintWriter err;
    private final String label;
    private final long total;
    private final boolean enabled;
    private int lastPercent = -1;

    public Progress(PrintWriter err, String label, long total, boolean enabled) {
        this.err = err;
        this.label = label;
        this.total = total;
        this.enabled = enabled && total >= MIN_SIZE;
    }

    /** Enabled when attached to a terminal and not asked to be quiet. */
    public static boolean interactive(boolean quiet) {
        return !quiet && System.console() != null && System.getenv("CI") == null;
    }

    @Override
    public void accept(long done) {
        if (!enabled) return;
        int percent = (int) (done * 100 / Math.max(total, 1));
        if (percent == lastPercent) return;
        lastPercent = percent;
        int width = 30;
        int filled = percent * width / 100;
        err.printf("\r%-10s [%s%s] %3d%% %,d MiB", label, "#".repeat(filled), ".".repeat(width - filled), percent,
                done >> 20);
        err.flush();
    }

    @Override
    public void close() {
        if (enabled && lastPercent >= 0) {
            err.print("\r" + " ".repeat(70) + "\r");
            err.flush();
        }
    }
}
