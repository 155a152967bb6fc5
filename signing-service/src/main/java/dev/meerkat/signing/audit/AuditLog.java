package dev.meerkat.signing.audit;

import dev.meerkat.signing.refusal.Refusal;
import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.store.Database;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The append-only, hash-chained audit log. Appends from all request threads are queued and written
 * by one writer thread in batches (one database transaction per batch, "group commit"), so the
 * chain is computed in a single place and an operation returns only once its entry is durable.
 *
 * <p>A state change is handed over together with its entry ({@link #commit}): the writer runs the
 * change and inserts the entry under one savepoint, so both commit or neither does. A batch groups
 * such units; it never splits one. An entry whose fields do not fit the table is refused before it
 * is queued, and a unit that fails in the database is rolled back to its savepoint alone: the
 * others in the batch still commit.
 */
@ApplicationScoped
public class AuditLog {
    private static final Logger LOG = Logger.getLogger(AuditLog.class);
    private static final int MAX_BATCH = 512;

    /** What happened; the log adds sequence number, time and chain hashes. */
    public record Event(
            Caller caller,
            String action,
            String keyId,
            Integer keyVersion,
            String artifact,
            String decision,
            String result,
            String detail) {}

    /**
     * Storage limits of the audit_log columns (V1 migration): text longer than this is cut, ids are
     * refused.
     */
    public static final int MAX_KEY_ID = 64;

    private record Pending(
            Database.SqlWork<?> change,
            Function<Object, Event> event,
            CompletableFuture<Object> done) {}

    @Inject AuditRepository repo;

    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private volatile Thread writer;
    private volatile boolean running;
    private long lastSeq;
    private String lastHash;

    void start(@Observes StartupEvent ev) {
        loadHead();
        running = true;
        writer = new Thread(this::writeLoop, "audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    void stop(@Observes ShutdownEvent ev) {
        running = false;
        Thread w = writer;
        if (w != null) {
            w.interrupt();
            try {
                w.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Appends an entry and waits until it is committed. */
    public AuditEntry append(Event event) {
        return await(appendAsync(event));
    }

    /**
     * Queues an entry without waiting. The future completes, on the writer thread, once the entry
     * is committed, or fails with the write error (or after 30 s); callers must not answer before
     * that.
     */
    public CompletableFuture<AuditEntry> appendAsync(Event event) {
        CompletableFuture<Object> f = enqueue(null, r -> event);
        return f.thenApply(AuditEntry.class::cast);
    }

    /**
     * Runs {@code change} and appends the entry {@code event} makes of its result in one
     * transaction, waiting for the commit; returns the change's result. A refusal thrown by the
     * change rolls it back and is rethrown (audited by the caller, as every refusal is).
     */
    public <T> T commit(Database.SqlWork<T> change, Function<T, Event> event) {
        return await(commitAsync(change, event));
    }

    /**
     * {@link #commit} without waiting: the future completes once change and entry are committed.
     */
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> commitAsync(
            Database.SqlWork<T> change, Function<T, Event> event) {
        return (CompletableFuture<T>) enqueue(change, r -> event.apply((T) r));
    }

    private CompletableFuture<Object> enqueue(
            Database.SqlWork<?> change, Function<Object, Event> event) {
        if (!running) throw new IllegalStateException("audit log is not running");
        CompletableFuture<Object> f = new CompletableFuture<>();
        queue.add(new Pending(change, event, f));
        return f.orTimeout(30, TimeUnit.SECONDS);
    }

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while auditing", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Refusal r) throw r;
            throw failure(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("audit log write timed out", e);
        }
    }

    /** The exception an operation reports when its audit entry could not be written. */
    public static RuntimeException failure(Throwable cause) {
        if (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null)
            cause = cause.getCause();
        if (cause instanceof Refusal r) return r;
        if (cause instanceof TimeoutException)
            return new IllegalStateException("audit log write timed out", cause);
        return new IllegalStateException("audit log write failed: " + cause.getMessage(), cause);
    }

    /** Entries with {@code seq > after}, oldest first, at most {@code limit}. */
    public List<AuditEntry> page(long after, int limit) {
        return repo.page(after, limit);
    }

    /** The committed head of the chain. */
    public synchronized AuditRepository.Head head() {
        return new AuditRepository.Head(lastSeq, lastHash);
    }

    private synchronized void loadHead() {
        AuditRepository.Head h = repo.head();
        lastSeq = h.seq();
        lastHash = h.hash();
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                write(batch);
            } catch (InterruptedException e) {
                if (!running) {
                    queue.drainTo(batch);
                    if (!batch.isEmpty()) write(batch);
                    return;
                }
            } finally {
                batch.clear();
            }
        }
    }

    /** One unit's outcome inside a batch: its result and entry, or why it failed. */
    private record Outcome(Object result, AuditEntry entry, Throwable failure) {}

    private void write(List<Pending> batch) {
        long seq0;
        String prev0;
        synchronized (this) {
            seq0 = lastSeq;
            prev0 = lastHash;
        }
        String now = Instant.now().toString();
        List<Outcome> outcomes = new ArrayList<>(batch.size());
        long[] head = {seq0};
        String[] prev = {prev0};
        try {
            // Fast path: the whole batch in one transaction. Should any unit fail, the batch is
            // rolled
            // back and redone with a savepoint per unit, so the failure stays with its own unit.
            try {
                run(batch, outcomes, head, prev, now, false);
            } catch (RuntimeException first) {
                outcomes.clear();
                head[0] = seq0;
                prev[0] = prev0;
                run(batch, outcomes, head, prev, now, true);
            }
        } catch (RuntimeException ex) {
            LOG.errorf(ex, "audit batch of %d entries failed", batch.size());
            for (Pending p : batch) p.done().completeExceptionally(ex);
            try {
                loadHead();
            } catch (RuntimeException again) {
                LOG.error("cannot reload the audit chain head", again);
            }
            return;
        }
        synchronized (this) {
            lastSeq = head[0];
            lastHash = prev[0];
        }
        for (int i = 0; i < batch.size(); i++) {
            Outcome o = outcomes.get(i);
            if (o.failure() != null) {
                batch.get(i).done().completeExceptionally(o.failure());
                continue;
            }
            batch.get(i).done().complete(batch.get(i).change() == null ? o.entry() : o.result());
        }
    }

    private void run(
            List<Pending> batch,
            List<Outcome> outcomes,
            long[] head,
            String[] prev,
            String now,
            boolean isolate) {
        repo.tx(
                c -> {
                    if (isolate) {
                        for (Pending p : batch) outcomes.add(isolated(c, p, head, prev, now));
                        return null;
                    }
                    // All or nothing: the entries go in as one JDBC batch at the end, written
                    // before each state change so the statements keep the units' order.
                    List<AuditEntry> entries = new ArrayList<>(batch.size());
                    for (Pending p : batch) {
                        if (p.change() != null) {
                            repo.insertAll(c, entries);
                            entries.clear();
                        }
                        Outcome o = unit(c, p, head, prev, now, entries);
                        outcomes.add(o);
                    }
                    repo.insertAll(c, entries);
                    return null;
                });
    }

    /** Runs one unit under its own savepoint: its change and its entry, or nothing of it. */
    private Outcome isolated(Connection c, Pending p, long[] head, String[] prev, String now)
            throws SQLException {
        Savepoint sp = c.setSavepoint();
        try {
            Outcome o = unit(c, p, head, prev, now, null);
            c.releaseSavepoint(sp);
            return o;
        } catch (SQLException | RuntimeException ex) {
            c.rollback(sp);
            if (!(ex instanceof Refusal))
                LOG.errorf("an audited change failed and was rolled back alone: %s", ex.toString());
            return new Outcome(null, null, ex);
        }
    }

    /**
     * Runs a unit's change and makes its entry; the entry is inserted at once, or added to {@code
     * deferred} when the caller inserts the batch's entries together.
     */
    private Outcome unit(
            Connection c,
            Pending p,
            long[] head,
            String[] prev,
            String now,
            List<AuditEntry> deferred)
            throws SQLException {
        Object result = p.change() == null ? null : p.change().run(c);
        Event e = p.event().apply(result);
        checkFits(e);
        AuditEntry entry =
                new AuditEntry(
                                head[0] + 1,
                                now,
                                clip(e.caller().name(), 200),
                                clip(e.caller().roles(), 200),
                                clip(e.action(), 200),
                                e.keyId(),
                                e.keyVersion(),
                                clip(e.artifact(), 200),
                                clip(e.decision(), 32),
                                clip(e.result(), 64),
                                clip(e.detail(), 1000),
                                null,
                                null)
                        .withChain(prev[0]);
        if (deferred != null) deferred.add(entry);
        else repo.insert(c, entry);
        head[0] = entry.seq();
        prev[0] = entry.hash();
        return new Outcome(result, entry, null);
    }

    /**
     * Identifiers are never cut (a cut id would name another key); the callers validate them first.
     */
    private static void checkFits(Event e) {
        if (e.keyId() != null && e.keyId().length() > MAX_KEY_ID) {
            throw new IllegalArgumentException(
                    "audit entry key id longer than " + MAX_KEY_ID + " characters");
        }
    }

    private static String clip(String s, int max) {
        if (s == null) return null;
        return s.length() <= max ? s : s.substring(0, max);
    }
}
