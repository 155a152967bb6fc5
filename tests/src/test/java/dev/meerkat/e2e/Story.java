package dev.meerkat.e2e;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;

/** The short account each scenario prints of what happened, with the time since it began. */
final class Story {
    private final String scenario;
    private final Instant start = Instant.now();
    private final PrintStream out;

    Story(String scenario) {
        this.scenario = scenario;
        this.out = System.out;
        out.printf("%n== %s%n", scenario);
        out.flush();
    }

    void tell(String format, Object... args) {
        long ms = Duration.between(start, Instant.now()).toMillis();
        out.printf("[%s %5.1fs] %s%n", scenario, ms / 1000.0, String.format(format, args));
        out.flush();
    }
}
