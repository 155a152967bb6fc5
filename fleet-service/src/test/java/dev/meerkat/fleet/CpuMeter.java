package dev.meerkat.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * CPU time (user + system, from {@code /proc/<pid>/stat}) used by the benchmark's parties between
 * two readings: the service replicas, PostgreSQL (every backend), Mosquitto and the benchmark's own
 * JVM (the device generator). Processes that end between the readings are not counted, which is why
 * a reading spans one rollout, when none of them starts or stops.
 */
final class CpuMeter {
    /** Clock ticks per second of {@code /proc} times ({@code getconf CLK_TCK}; 100 on Linux). */
    private static final double TICKS = 100.0;

    private final Set<Long> service;

    CpuMeter(Set<Long> servicePids) {
        this.service = Set.copyOf(servicePids);
    }

    /** Seconds of CPU per party, now. */
    Map<String, Double> read() throws IOException {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String party : new String[] {"service", "postgres", "mosquitto", "generator"})
            out.put(party, 0.0);
        long self = ProcessHandle.current().pid();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) continue;
                long pid = Long.parseLong(name);
                Stat st = stat(p);
                if (st == null) continue;
                String party =
                        service.contains(pid)
                                ? "service"
                                : pid == self
                                        ? "generator"
                                        : st.comm().startsWith("postgres")
                                                ? "postgres"
                                                : st.comm().equals("mosquitto")
                                                        ? "mosquitto"
                                                        : null;
                if (party != null) out.merge(party, st.cpuSeconds(), Double::sum);
            }
        }
        return out;
    }

    /**
     * Seconds of CPU per service thread, summed over the replicas by thread name with digits folded
     * ({@code mqtt-reports-N}, {@code C2 CompilerThreN}): where the service's share goes, the JIT
     * compiler and the garbage collector included.
     */
    Map<String, Double> serviceThreads() throws IOException {
        Map<String, Double> out = new java.util.TreeMap<>();
        for (long pid : service) {
            Path tasks = Path.of("/proc", Long.toString(pid), "task");
            if (!Files.isDirectory(tasks)) continue;
            try (Stream<Path> ts = Files.list(tasks)) {
                for (Path t : (Iterable<Path>) ts::iterator) {
                    Stat st = stat(t);
                    if (st != null)
                        out.merge(
                                st.comm().replaceAll("[0-9]+", "N"), st.cpuSeconds(), Double::sum);
                }
            }
        }
        return out;
    }

    /** A process's or thread's name and its CPU seconds so far. */
    private record Stat(String comm, double cpuSeconds) {}

    /** {@code <dir>/stat} of a process or thread; null when it has gone. */
    private static Stat stat(Path dir) {
        String stat;
        try {
            stat = Files.readString(dir.resolve("stat"));
        } catch (IOException gone) {
            return null;
        }
        // "pid (comm) state ...": comm may hold spaces, so fields count from its ")"
        int close = stat.lastIndexOf(')');
        String[] f = stat.substring(close + 2).split(" ");
        return new Stat(
                stat.substring(stat.indexOf('(') + 1, close),
                (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS);
    }

    /** The {@code top} largest differences from {@code before} to {@code after}, largest first. */
    static String largest(Map<String, Double> before, Map<String, Double> after, int top) {
        return after.entrySet().stream()
                .map(
                        e ->
                                Map.entry(
                                        e.getKey(),
                                        e.getValue() - before.getOrDefault(e.getKey(), 0.0)))
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .limit(top)
                .map(e -> String.format("%s %.1f s", e.getKey(), e.getValue()))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** Seconds of CPU per party used since {@code before}. */
    Map<String, Double> since(Map<String, Double> before) throws IOException {
        Map<String, Double> used = new LinkedHashMap<>();
        read().forEach((party, secs) -> used.put(party, secs - before.getOrDefault(party, 0.0)));
        return used;
    }

    /**
     * "service 1.2 s (34 %), …; 0.210 ms of CPU per state change": each party's CPU over a span of
     * {@code wallSeconds} (100 % = one core busy throughout), and all parties' CPU per change.
     */
    static String describe(Map<String, Double> used, double wallSeconds, long changes) {
        StringBuilder s = new StringBuilder();
        double total = 0;
        for (Map.Entry<String, Double> e : used.entrySet()) {
            total += e.getValue();
            s.append(
                    String.format(
                            "%s%s %.1f s (%.0f %%)",
                            s.length() == 0 ? "" : ", ",
                            e.getKey(),
                            e.getValue(),
                            100 * e.getValue() / wallSeconds));
        }
        return s
                + String.format(
                        "; %.3f ms of CPU (all four) per state change",
                        1000 * total / Math.max(1, changes));
    }
}
