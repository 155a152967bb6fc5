package dev.meerkat.hal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Emulated one-time-programmable counter bank. Real parts store such counters as fuse bits that are
 * blown one at a time, so a power cut during an increase leaves a value between the old and the
 * requested one, never a lower one; the emulation reproduces exactly that. Each increase is one
 * state-changing operation of the {@link PowerSupply}.
 *
 * <p>With file backing the values live in a small text file replaced atomically after every change.
 */
public final class OtpCounters implements MonotonicCounters {

    private static final String MAGIC = "meerkat-otp-counters 1";

    private final long[] values;
    private final long maxValue;
    private final PowerSupply power;
    private final Path file;
    private long increments;

    private OtpCounters(long[] values, long maxValue, PowerSupply power, Path file) {
        this.values = values;
        this.maxValue = maxValue;
        this.power = power;
        this.file = file;
    }

    /** An in-memory bank of {@code count} counters, each reaching at most {@code maxValue}. */
    public static OtpCounters inMemory(int count, long maxValue, PowerSupply power) {
        check(count, maxValue);
        return new OtpCounters(new long[count], maxValue, Objects.requireNonNull(power), null);
    }

    /** A bank persisted in {@code path} (created with zero counters when absent). */
    public static OtpCounters fileBacked(Path path, int count, long maxValue, PowerSupply power)
            throws IOException {
        check(count, maxValue);
        long[] values = new long[count];
        if (Files.exists(path)) {
            List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
            if (lines.size() != count + 1 || !lines.get(0).equals(MAGIC)) {
                throw new IOException(path + " is not a bank of " + count + " counters");
            }
            for (int i = 0; i < count; i++) {
                values[i] = Long.parseLong(lines.get(i + 1).trim());
            }
        }
        OtpCounters c = new OtpCounters(values, maxValue, Objects.requireNonNull(power), path);
        c.persist();
        return c;
    }

    private static void check(int count, long maxValue) {
        if (count < 1 || maxValue < 1) {
            throw new IllegalArgumentException("need at least one counter with a positive maximum");
        }
    }

    @Override
    public int count() {
        return values.length;
    }

    @Override
    public long maxValue() {
        return maxValue;
    }

    @Override
    public long read(int id) {
        Objects.checkIndex(id, values.length);
        power.ensureUp("counter read");
        return values[id];
    }

    @Override
    public long advanceTo(int id, long value) {
        Objects.checkIndex(id, values.length);
        power.ensureUp("counter update");
        long current = values[id];
        if (value < current) {
            throw new CounterException(
                    "counter " + id + " is " + current + ", cannot go back to " + value);
        }
        if (value > maxValue) {
            throw new CounterException(
                    "counter " + id + " cannot exceed " + maxValue + " (asked " + value + ")");
        }
        if (value == current) {
            return current;
        }
        String what = "counter " + id + " increase " + current + " -> " + value;
        boolean torn = power.beginMutation(what);
        long applied =
                torn
                        ? current + (long) (power.random().nextDouble() * (value - current + 1))
                        : value;
        values[id] = Math.min(applied, value);
        increments++;
        persist();
        if (torn) {
            throw power.tornException(what);
        }
        return values[id];
    }

    /** The current values, without power checks (for snapshots). */
    long[] values() {
        return values.clone();
    }

    /** Replaces all values (for restoring snapshots; not an OTP operation). */
    void load(long[] newValues) {
        if (newValues.length != values.length) {
            throw new IllegalArgumentException("expected " + values.length + " counters");
        }
        System.arraycopy(newValues, 0, values, 0, values.length);
        persist();
    }

    /** Number of increase operations performed since the bank was opened. */
    public long increments() {
        return increments;
    }

    private void persist() {
        if (file == null) {
            return;
        }
        StringBuilder sb = new StringBuilder(MAGIC).append('\n');
        for (long v : values) {
            sb.append(v).append('\n');
        }
        try {
            NorFlash.writeAtomically(file, sb.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
