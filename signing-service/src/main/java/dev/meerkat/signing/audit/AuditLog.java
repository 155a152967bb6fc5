package dev.meerkat.signing.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.store.Database;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;

/**
 * The append-only, hash-chained audit log. Appends from all request threads are queued and written
 * by one writer thread in batches (one transaction per batch, "group commit"), so the chain is
 * computed in a single place and an operation returns only once its entry is durable.
 */
@ApplicationScoped
public class AuditLog {
    private static final Logger LOG = Logger.getLogger(AuditLog.class);
    private static final int MAX_BATCH = 512;

    /** What happened; the log adds sequence number, time and chain hashes. */
    public record Event(Caller caller, String action, String keyId, Integer keyVersion, String artifact,
                        String decision, String result, String detail) {
    }

    private record Pending(Event event, CompletableFuture<AuditEntry> done) {
    }

    @Inject
    Database db;

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
        CompletableFuture<AuditEntry> f = appendAsync(event);
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while auditing", e);
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("audit log write timed out", e);
        }
    }

    /**
     * Queues an entry without waiting. The future completes, on the writer thread, once the entry is
     * committed, or fails with the write error (or after 30 s); callers must not answer before that.
     */
    public CompletableFuture<AuditEntry> appendAsync(Event event) {
        if (!running) throw new IllegalStateException("audit log is not running");
        CompletableFuture<AuditEntry> f = new CompletableFuture<>();
        queue.add(new Pending(event, f));
        return f.orTimeout(30, TimeUnit.SECONDS);
    }

    /** The exception an operation reports when its audit entry could not be written. */
    public static RuntimeException failure(Throwable cause) {
        if (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) cause = cause.getCause();
        if (cause instanceof TimeoutException) return new IllegalStateException("audit log write timed out", cause);
        return new IllegalStateException("audit log write failed: " + cause.getMessage(), cause);
    }

    /** Entries with {@code seq > after}, oldest first, at most {@code limit}. */
    public List<AuditEntry> page(long after, int limit) {
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT seq, at, actor, roles, action, key_id, key_version, artifact, decision, result, detail,"
                            + " prev_hash, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?")) {
                ps.setLong(1, after);
                ps.setInt(2, limit);
                List<AuditEntry> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        int kv = rs.getInt(7);
                        Integer keyVersion = rs.wasNull() ? null : kv;
                        out.add(new AuditEntry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), rs.getString(6), keyVersion, rs.getString(8), rs.getString(9),
                                rs.getString(10), rs.getString(11), rs.getString(12), rs.getString(13)));
                    }
                }
                return out;
            }
        });
    }

    private void loadHead() {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
                 ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    lastSeq = rs.getLong(1);
                    lastHash = rs.getString(2);
                } else {
                    lastSeq = 0;
                    lastHash = AuditEntry.GENESIS;
                }
            }
            return null;
        });
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

    private void write(List<Pending> batch) {
        List<AuditEntry> entries = new ArrayList<>(batch.size());
        long seq = lastSeq;
        String prev = lastHash;
        String now = Instant.now().toString();
        for (Pending p : batch) {
            Event e = p.event();
            AuditEntry entry = new AuditEntry(++seq, now, clip(e.caller().name(), 200), clip(e.caller().roles(), 200),
                    clip(e.action(), 200), e.keyId(), e.keyVersion(), clip(e.artifact(), 200), clip(e.decision(), 32),
                    clip(e.result(), 64), clip(e.detail(), 1000), null, null).withChain(prev);
            prev = entry.hash();
            entries.add(entry);
        }
        try {
            db.tx(c -> {
                insert(c, entries);
                return null;
            });
            lastSeq = seq;
            lastHash = prev;
            for (int i = 0; i < batch.size(); i++) batch.get(i).done().complete(entries.get(i));
        } catch (RuntimeException ex) {
            LOG.errorf(ex, "audit batch of %d entries failed", batch.size());
            for (Pending p : batch) p.done().completeExceptionally(ex);
            try {
                loadHead();
            } catch (RuntimeException again) {
                LOG.error("cannot reload the audit chain head", again);
            }
        }
    }

    private static void insert(Connection c, List<AuditEntry> entries) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit_log (seq, at, actor, roles, action, key_id,"
                + " key_version, artifact, decision, result, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            for (AuditEntry e : entries) {
                ps.setLong(1, e.seq());
                ps.setString(2, e.at());
                ps.setString(3, e.actor());
                ps.setString(4, e.roles());
                ps.setString(5, e.action());
                ps.setString(6, e.keyId());
                if (e.keyVersion() == null) ps.setNull(7, Types.INTEGER);
                else ps.setInt(7, e.keyVersion());
                ps.setString(8, e.artifact());
                ps.setString(9, e.decision());
                ps.setString(10, e.result());
                ps.setString(11, e.detail());
                ps.setString(12, e.prevHash());
                ps.setString(13, e.hash());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static String clip(String s, int max) {
        if (s == null) return null;
        return s.length() <= max ? s : s.substring(0, max);
    }
}
