package dev.meerkat.cli.io;

import java.io.PrintWriter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Progress of a wait with no byte count (chips provisioned, devices updated, benchmark runs): once
 * the wait has lasted 2 s, one line on stderr every 2 s, {@code "provision: 3 of 8 chips done, 6
 * s"}, on a terminal or not, so a log shows the command is alive without filling up. Nothing is
 * printed for waits shorter than that.
 */
public final class Heartbeat implements AutoCloseable {
    static final long INTERVAL_NANOS = 2_000_000_000L;

    private final PrintWriter err;
    private final String label;
    private final Supplier<String> status;
    private final LongSupplier clock;
    private final long started;
    private long lastLine;
    private ScheduledExecutorService timer;

    Heartbeat(PrintWriter err, String label, Supplier<String> status, LongSupplier clock) {
        this.err = err;
        this.label = label;
        this.status = status;
        this.clock = clock;
        this.started = clock.getAsLong();
        this.lastLine = started;
    }

    /**
     * Starts the lines for a wait labelled {@code label} (the command's name); {@code status} says
     * where the wait stands and is asked from a background thread.
     */
    public static Heartbeat start(PrintWriter err, String label, Supplier<String> status) {
        Heartbeat h = new Heartbeat(err, label, status, System::nanoTime);
        h.timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "meerkat-progress");
                            t.setDaemon(true);
                            return t;
                        });
        h.timer.scheduleAtFixedRate(h::tick, 250, 250, TimeUnit.MILLISECONDS);
        return h;
    }

    /** Prints a line when one is due. */
    void tick() {
        long now = clock.getAsLong();
        if (now - lastLine < INTERVAL_NANOS) return;
        lastLine = now;
        String line = label + ": " + status.get() + ", " + (now - started) / 1_000_000_000L + " s";
        synchronized (err) {
            err.println(line);
            err.flush();
        }
    }

    @Override
    public void close() {
        if (timer != null) timer.shutdownNow();
    }
}
