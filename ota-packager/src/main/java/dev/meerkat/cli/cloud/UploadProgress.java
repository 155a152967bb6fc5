package dev.meerkat.cli.cloud;

import java.io.PrintWriter;
import java.util.function.LongConsumer;

/**
 * Progress of an upload on stderr, shown only once it has taken more than 2 s: a redrawn line on a
 * terminal, one line per 10 % otherwise (CI logs stay short).
 */
final class UploadProgress implements LongConsumer {

    private static final long QUIET_NANOS = 2_000_000_000L;

    private final PrintWriter err;
    private final String label;
    private final long total;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private int lastStep = -1;

    UploadProgress(PrintWriter err, String label, long total, boolean terminal) {
        this.err = err;
        this.label = label;
        this.total = Math.max(total, 1);
        this.terminal = terminal;
    }

    @Override
    public synchronized void accept(long sent) {
        if (System.nanoTime() - start < QUIET_NANOS) {
            return;
        }
        int percent = (int) (sent * 100 / total);
        int step = terminal ? percent : percent / 10;
        if (step == lastStep) {
            return;
        }
        lastStep = step;
        String line =
                String.format(
                        "uploading %s: %3d%% (%,d of %,d bytes)", label, percent, sent, total);
        if (terminal) {
            err.print("\r" + line + (sent >= total ? "\n" : ""));
        } else {
            err.println(line);
        }
        err.flush();
    }
}
