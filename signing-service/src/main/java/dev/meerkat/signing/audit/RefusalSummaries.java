package dev.meerkat.signing.audit;

import dev.meerkat.signing.security.Caller;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Events anyone can cause without credentials (refused anonymous requests, CRL and OCSP answers)
 * are counted here instead of each writing a chained audit row. Every {@code
 * meerkat.audit.summary-seconds}, and before the log is read or checkpointed, each (source, action,
 * decision, result) seen in the window becomes one summary entry with its count and time span. At
 * most {@value #MAX_KEYS} distinct keys are kept per window; the rest are counted under one
 * overflow entry, so a flood costs a bounded number of rows.
 */
@ApplicationScoped
public class RefusalSummaries {
    private static final Logger LOG = Logger.getLogger(RefusalSummaries.class);
    static final int MAX_KEYS = 1000;

    private record Key(
            String actor,
            String roles,
            String source,
            String action,
            String decision,
            String result) {}

    private static final class Count {
        long n;
        final String first = Instant.now().toString();
        String last = first;
        String sample;
    }

    @ConfigProperty(name = "meerkat.audit.summary-seconds", defaultValue = "60")
    long windowSeconds;

    @Inject AuditLog audit;

    private Map<Key, Count> window = new LinkedHashMap<>();
    private long overflow;

    void start(@Observes StartupEvent ev) {
        ScheduledExecutorService timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "audit-summaries");
                            t.setDaemon(true);
                            return t;
                        });
        timer.scheduleWithFixedDelay(
                () -> {
                    try {
                        flush().join();
                    } catch (RuntimeException e) {
                        LOG.errorf("audit summary flush failed: %s", e.getMessage());
                    }
                },
                windowSeconds,
                windowSeconds,
                TimeUnit.SECONDS);
    }

    /** Counts one event; {@code detail} of the first occurrence is kept as a sample. */
    public synchronized void count(
            Caller caller,
            String source,
            String action,
            String decision,
            String result,
            String detail) {
        Key k = new Key(caller.name(), caller.roles(), source, action, decision, result);
        Count c = window.get(k);
        if (c == null) {
            if (window.size() >= MAX_KEYS) {
                overflow++;
                return;
            }
            c = new Count();
            c.sample = detail;
            window.put(k, c);
        }
        c.n++;
        c.last = Instant.now().toString();
    }

    /** Writes the window's summaries; the future completes once they are committed. */
    public CompletableFuture<Void> flush() {
        Map<Key, Count> w;
        long over;
        synchronized (this) {
            if (window.isEmpty() && overflow == 0) return CompletableFuture.completedFuture(null);
            w = window;
            over = overflow;
            window = new LinkedHashMap<>();
            overflow = 0;
        }
        List<CompletableFuture<AuditEntry>> writes = new ArrayList<>();
        for (Map.Entry<Key, Count> e : w.entrySet()) {
            Key k = e.getKey();
            Count c = e.getValue();
            writes.add(
                    audit.appendAsync(
                            new AuditLog.Event(
                                    new Caller(k.actor(), k.roles()),
                                    k.action(),
                                    null,
                                    null,
                                    "source:" + k.source(),
                                    k.decision(),
                                    k.result(),
                                    c.n
                                            + " from "
                                            + k.source()
                                            + " between "
                                            + c.first
                                            + " and "
                                            + c.last
                                            + (c.sample == null ? "" : "; first: " + c.sample))));
        }
        if (over > 0) {
            writes.add(
                    audit.appendAsync(
                            new AuditLog.Event(
                                    Caller.SYSTEM,
                                    "summary.overflow",
                                    null,
                                    null,
                                    null,
                                    "refused",
                                    "summary",
                                    over
                                            + " more events from sources beyond the "
                                            + MAX_KEYS
                                            + " tracked")));
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }
}
