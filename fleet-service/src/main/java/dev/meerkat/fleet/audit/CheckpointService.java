package dev.meerkat.fleet.audit;

import dev.meerkat.fleet.FleetConfig;
import dev.meerkat.fleet.store.Database;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Anchors the fleet's audit chain as the signing service anchors its own: signs the committed head
 * with the service's checkpoint key periodically (when the head has moved) and whenever an export
 * asks, stores each checkpoint and writes it to the service log as one line (a copy outside the
 * database). A verifier holding a checkpoint and the published key detects a truncated, shortened
 * or re-hashed chain.
 */
@ApplicationScoped
public class CheckpointService {
    private static final Logger LOG = Logger.getLogger(CheckpointService.class);

    @Inject FleetConfig config;

    @Inject AuditLog audit;

    @Inject Database db;

    private CheckpointKey key;
    private ScheduledExecutorService timer;

    void start(@Observes StartupEvent ev) {
        try {
            key = CheckpointKey.loadOrCreate(config.audit().checkpointKey());
        } catch (IOException e) {
            throw new UncheckedIOException("audit checkpoint key: " + e.getMessage(), e);
        }
        Duration interval = config.audit().checkpointInterval();
        if (interval.isZero() || interval.isNegative()) return;
        timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "audit-checkpoints");
                            t.setDaemon(true);
                            return t;
                        });
        long ms = interval.toMillis();
        timer.scheduleWithFixedDelay(
                () -> {
                    try {
                        Checkpoint last = latest();
                        if (last == null || last.seq() != audit.head().seq()) signHead();
                    } catch (RuntimeException e) {
                        LOG.errorf("periodic audit checkpoint failed: %s", e.getMessage());
                    }
                },
                ms,
                ms,
                TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timer != null) timer.shutdownNow();
    }

    /** The public key verifiers check checkpoints with (PEM). */
    public String publicKeyPem() {
        return key.publicPem();
    }

    /** Signs the current committed head (or returns the checkpoint that exists for it). */
    public Checkpoint signHead() {
        AuditLog.Head head = audit.head();
        Checkpoint existing = at(head.seq());
        if (existing != null) return existing;
        String at = Instant.now().toString();
        Checkpoint cp =
                new Checkpoint(
                        head.seq(),
                        head.hash(),
                        at,
                        key.id(),
                        key.sign(Checkpoint.message(head.seq(), head.hash(), at)));
        try {
            db.tx(
                    c -> {
                        try (PreparedStatement ps =
                                c.prepareStatement(
                                        "INSERT INTO audit_checkpoint (seq, hash, at, key_id, signature) VALUES (?,?,?,?,?)")) {
                            ps.setLong(1, cp.seq());
                            ps.setString(2, cp.hash());
                            ps.setString(3, cp.at());
                            ps.setString(4, cp.keyId());
                            ps.setString(5, cp.signature());
                            ps.executeUpdate();
                        }
                        return null;
                    });
        } catch (Database.StoreException e) {
            // another thread or replica signed the same head first: that checkpoint stands
            Checkpoint raced = at(head.seq());
            if (raced != null) return raced;
            throw e;
        }
        LOG.infof(
                "audit checkpoint seq=%d hash=%s at=%s signature=%s",
                cp.seq(), cp.hash(), cp.at(), cp.signature());
        return cp;
    }

    /** The newest stored checkpoint made with this service's key, or null. */
    public Checkpoint latest() {
        return one(
                "SELECT seq, hash, at, key_id, signature FROM audit_checkpoint WHERE key_id = ?"
                        + " ORDER BY seq DESC LIMIT 1",
                null);
    }

    private Checkpoint at(long seq) {
        return one(
                "SELECT seq, hash, at, key_id, signature FROM audit_checkpoint"
                        + " WHERE key_id = ? AND seq = ?",
                seq);
    }

    private Checkpoint one(String sql, Long seq) {
        return db.tx(
                c -> {
                    try (PreparedStatement ps = c.prepareStatement(sql)) {
                        ps.setString(1, key.id());
                        if (seq != null) ps.setLong(2, seq);
                        try (ResultSet rs = ps.executeQuery()) {
                            return rs.next() ? row(rs) : null;
                        }
                    }
                });
    }

    private static Checkpoint row(ResultSet rs) throws SQLException {
        return new Checkpoint(
                rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5));
    }
}
