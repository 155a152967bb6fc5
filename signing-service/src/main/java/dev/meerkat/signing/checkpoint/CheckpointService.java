package dev.meerkat.signing.checkpoint;

import dev.meerkat.image.KeyType;
import dev.meerkat.signing.audit.AuditLog;
import dev.meerkat.signing.audit.AuditRepository;
import dev.meerkat.signing.keys.KeyRecord;
import dev.meerkat.signing.keys.KeyService;
import dev.meerkat.signing.store.Database;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Anchors the audit chain: signs its committed head with the service's own checkpoint key,
 * periodically (when the head has moved) and whenever an export asks, stores each checkpoint and
 * writes it to the service log as one line (a copy outside the database). A verifier holding a
 * checkpoint and the published public key detects a truncated, shortened or re-hashed chain.
 */
@ApplicationScoped
public class CheckpointService {
    private static final Logger LOG = Logger.getLogger(CheckpointService.class);

    @ConfigProperty(name = "meerkat.audit.checkpoint-key-id", defaultValue = "audit-checkpoint")
    String keyId;

    @ConfigProperty(name = "meerkat.audit.checkpoint-minutes", defaultValue = "10")
    long intervalMinutes;

    @Inject KeyService keys;

    @Inject AuditLog audit;

    @Inject Database db;

    @Inject dev.meerkat.signing.audit.RefusalSummaries summaries;

    private ScheduledExecutorService timer;

    void start(@Observes StartupEvent ev) {
        if (intervalMinutes <= 0) return;
        timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "audit-checkpoints");
                            t.setDaemon(true);
                            return t;
                        });
        timer.scheduleWithFixedDelay(
                () -> {
                    try {
                        Checkpoint last = latest();
                        if (last == null || last.seq() != audit.head().seq()) signHead();
                    } catch (RuntimeException e) {
                        LOG.errorf("periodic audit checkpoint failed: %s", e.getMessage());
                    }
                },
                intervalMinutes,
                intervalMinutes,
                TimeUnit.MINUTES);
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timer != null) timer.shutdownNow();
    }

    /** The public key verifiers check checkpoints with (PEM). */
    public String publicKeyPem() {
        return key().current().publicPem();
    }

    /** Signs the current committed head (or returns the checkpoint that exists for it). */
    public synchronized Checkpoint signHead() {
        summaries.flush().join();
        AuditRepository.Head head = audit.head();
        Checkpoint existing = at(head.seq());
        if (existing != null) return existing;
        KeyRecord k = key();
        String at = Instant.now().toString();
        byte[] message = Checkpoint.message(head.seq(), head.hash(), at);
        byte[] sig =
                keys.backendOf(k).sign(k.current().alias(), KeyType.ECDSA_P256, sha256(message));
        Checkpoint cp =
                new Checkpoint(
                        head.seq(),
                        head.hash(),
                        at,
                        k.id(),
                        Base64.getEncoder().encodeToString(sig));
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
        LOG.infof(
                "audit checkpoint seq=%d hash=%s at=%s signature=%s",
                cp.seq(), cp.hash(), cp.at(), cp.signature());
        return cp;
    }

    /** The newest stored checkpoint, or null. */
    public Checkpoint latest() {
        return one(
                "SELECT seq, hash, at, key_id, signature FROM audit_checkpoint ORDER BY seq DESC LIMIT 1",
                null);
    }

    private Checkpoint at(long seq) {
        return one(
                "SELECT seq, hash, at, key_id, signature FROM audit_checkpoint WHERE seq = ?", seq);
    }

    private Checkpoint one(String sql, Long seq) {
        return db.tx(
                c -> {
                    try (PreparedStatement ps = c.prepareStatement(sql)) {
                        if (seq != null) ps.setLong(1, seq);
                        try (ResultSet rs = ps.executeQuery()) {
                            return rs.next()
                                    ? new Checkpoint(
                                            rs.getLong(1),
                                            rs.getString(2),
                                            rs.getString(3),
                                            rs.getString(4),
                                            rs.getString(5))
                                    : null;
                        }
                    }
                });
    }

    private KeyRecord key() {
        return keys.checkpointKey(keyId);
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
