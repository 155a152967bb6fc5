package dev.meerkat.fleet.audit;

import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.store.Database;
import dev.meerkat.fleet.store.Sql;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The fleet's audit trail, a hash chain in the signing service's format. An entry is written on the
 * same connection, in the same transaction, as the change it describes: either both commit or
 * neither does.
 *
 * <p>Chain order with many writers and several replicas over one database: an entry is linked at
 * the very end of its transaction ({@link Database#beforeCommit}), under the row lock of the chain
 * head ({@code audit_chain_head}, locked {@code FOR UPDATE}); it takes the next sequence number and
 * the head's hash as its {@code prevHash}, and moves the head. The lock is the transaction's last,
 * held only until its commit, so writers queue for the commit alone and never deadlock on it.
 */
@ApplicationScoped
public class AuditLog {
    private static final int MAX_DETAIL = 2000;

    /** One recorded change or refusal, with its place in the chain. */
    public record Entry(
            long seq,
            String at,
            String actor,
            String roles,
            String action,
            String subject,
            String detail,
            String prevHash,
            String hash) {}

    /**
     * The committed chain head: the last entry's sequence number and hash (0 and zeros if none).
     */
    public record Head(long seq, String hash) {}

    /** An entry queued for the chain: who, what, on what, details (already bounded). */
    private record Queued(
            String actor, String roles, String action, String subject, String detail) {
        static Queued of(Caller caller, String action, String subject, String detail) {
            return new Queued(
                    caller.name(),
                    caller.roles(),
                    action,
                    subject,
                    detail == null || detail.length() <= MAX_DETAIL
                            ? detail
                            : detail.substring(0, MAX_DETAIL));
        }
    }

    @Inject Database db;

    void start(@Observes StartupEvent ev) {
        db.tx(
                c -> {
                    lockHead(c);
                    return null;
                });
    }

    /** Records an action inside the caller's transaction. */
    public void record(Connection c, Caller caller, String action, String subject, String detail)
            throws SQLException {
        enqueue(c, List.of(Queued.of(caller, action, subject, detail)));
    }

    /** An entry still to be written: who, what, on what, details. */
    public record Pending(Caller caller, String action, String subject, String detail) {}

    /**
     * Records several actions inside the caller's transaction; they are chained together at its
     * commit, under one lock of the chain head, as one JDBC batch.
     */
    public void recordAll(Connection c, List<Pending> entries) throws SQLException {
        if (entries.isEmpty()) return;
        List<Queued> queued = new ArrayList<>(entries.size());
        for (Pending p : entries) {
            queued.add(Queued.of(p.caller(), p.action(), p.subject(), p.detail()));
        }
        enqueue(c, List.copyOf(queued));
    }

    private void enqueue(Connection c, List<Queued> entries) throws SQLException {
        if (!db.beforeCommit(
                c,
                cc -> {
                    append(cc, entries);
                    return null;
                })) append(c, entries);
    }

    /** Records an action on its own (refused requests have no other change to join). */
    public void record(Caller caller, String action, String subject, String detail) {
        db.tx(
                c -> {
                    record(c, caller, action, subject, detail);
                    return null;
                });
    }

    /** Entries after {@code after}, oldest first. */
    public List<Entry> page(long after, int limit) {
        return db.tx(
                c -> {
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT seq, at, actor, roles, action, subject, detail, prev_hash, hash"
                                            + " FROM audit_log WHERE seq > ? AND hash IS NOT NULL ORDER BY seq LIMIT ?")) {
                        ps.setLong(1, after);
                        ps.setInt(2, limit);
                        List<Entry> out = new ArrayList<>();
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                out.add(
                                        new Entry(
                                                rs.getLong("seq"),
                                                Sql.instant(rs, "at").toString(),
                                                rs.getString("actor"),
                                                rs.getString("roles"),
                                                rs.getString("action"),
                                                rs.getString("subject"),
                                                rs.getString("detail"),
                                                rs.getString("prev_hash"),
                                                rs.getString("hash")));
                            }
                        }
                        return out;
                    }
                });
    }

    /** The committed head of the chain. */
    public Head head() {
        return db.tx(
                c -> {
                    try (PreparedStatement ps =
                                    c.prepareStatement(
                                            "SELECT seq, hash FROM audit_chain_head WHERE id = 1");
                            ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) throw new IllegalStateException("no audit chain head row");
                        return new Head(rs.getLong(1), rs.getString(2));
                    }
                });
    }

    private void append(Connection c, List<Queued> entries) throws SQLException {
        Head head = lockHead(c);
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<Linked> linked = new ArrayList<>(entries.size());
        for (Queued p : entries) {
            long seq = head.seq() + 1;
            String hash =
                    ChainHash.of(
                            seq,
                            at.toString(),
                            p.actor(),
                            p.roles(),
                            p.action(),
                            p.subject(),
                            p.detail(),
                            head.hash());
            linked.add(new Linked(seq, p, head.hash(), hash));
            head = new Head(seq, hash);
        }
        if (db.isPostgres()) {
            insertMovingHead(c, at, linked, head);
        } else {
            try (PreparedStatement ps = c.prepareStatement(INSERT + ROW)) {
                for (Linked l : linked) {
                    bind(ps, 1, at, l);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            moveHead(c, head);
        }
    }

    private static final String INSERT =
            "INSERT INTO audit_log (seq, at, actor, roles, action, subject, detail, prev_hash, hash)"
                    + " VALUES ";
    private static final String ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?)";

    /** Rows per multi-row INSERT (9 parameters each, far below PostgreSQL's 65,535). */
    private static final int ROWS_PER_STATEMENT = 500;

    /** An entry with its place in the chain. */
    private record Linked(long seq, Queued entry, String prevHash, String hash) {}

    /**
     * PostgreSQL: the entries as multi-row INSERTs, the last of which also moves the chain head (a
     * data-modifying WITH), so the head's lock is held for one round trip fewer before the commit.
     */
    private static void insertMovingHead(Connection c, Instant at, List<Linked> linked, Head head)
            throws SQLException {
        for (int from = 0; from < linked.size(); from += ROWS_PER_STATEMENT) {
            List<Linked> chunk =
                    linked.subList(from, Math.min(linked.size(), from + ROWS_PER_STATEMENT));
            boolean last = from + chunk.size() == linked.size();
            String sql =
                    (last
                                    ? "WITH moved AS (UPDATE audit_chain_head SET seq = ?, hash = ?"
                                            + " WHERE id = 1) "
                                    : "")
                            + INSERT
                            + (ROW + ", ").repeat(chunk.size() - 1)
                            + ROW;
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                if (last) {
                    ps.setLong(i++, head.seq());
                    ps.setString(i++, head.hash());
                }
                for (Linked l : chunk) i = bind(ps, i, at, l);
                ps.executeUpdate();
            }
        }
    }

    /** Binds one entry's nine columns from parameter {@code i}; returns the next parameter. */
    private static int bind(PreparedStatement ps, int i, Instant at, Linked l) throws SQLException {
        ps.setLong(i, l.seq());
        Sql.setInstant(ps, i + 1, at);
        ps.setString(i + 2, l.entry().actor());
        ps.setString(i + 3, l.entry().roles());
        ps.setString(i + 4, l.entry().action());
        ps.setString(i + 5, l.entry().subject());
        ps.setString(i + 6, l.entry().detail());
        ps.setString(i + 7, l.prevHash());
        ps.setString(i + 8, l.hash());
        return i + 9;
    }

    /**
     * Locks the chain head for this transaction. Entries written before the chain existed (flagged
     * by the migration) are chained first, once: renumbered 1..n in their order, then hashed.
     */
    private Head lockHead(Connection c) throws SQLException {
        Head head;
        boolean legacy;
        try (PreparedStatement ps =
                        c.prepareStatement(
                                "SELECT seq, hash, legacy_pending FROM audit_chain_head WHERE id = 1 FOR UPDATE");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) throw new SQLException("no audit chain head row");
            head = new Head(rs.getLong(1), rs.getString(2));
            legacy = rs.getBoolean(3);
        }
        if (!legacy) return head;
        head = chainLegacy(c);
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE audit_chain_head SET legacy_pending = FALSE WHERE id = 1")) {
            ps.executeUpdate();
        }
        return head;
    }

    private Head chainLegacy(Connection c) throws SQLException {
        List<long[]> seqs = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT seq FROM audit_log ORDER BY seq");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) seqs.add(new long[] {rs.getLong(1)});
        }
        long next = 0;
        String prev = ChainHash.GENESIS;
        for (long[] s : seqs) {
            next++;
            if (s[0] != next) {
                try (PreparedStatement ps =
                        c.prepareStatement("UPDATE audit_log SET seq = ? WHERE seq = ?")) {
                    ps.setLong(1, next);
                    ps.setLong(2, s[0]);
                    ps.executeUpdate();
                }
            }
            String hash;
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "SELECT at, actor, roles, action, subject, detail FROM audit_log WHERE seq = ?")) {
                ps.setLong(1, next);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    hash =
                            ChainHash.of(
                                    next,
                                    Sql.instant(rs, "at").toString(),
                                    rs.getString("actor"),
                                    rs.getString("roles"),
                                    rs.getString("action"),
                                    rs.getString("subject"),
                                    rs.getString("detail"),
                                    prev);
                }
            }
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?")) {
                ps.setString(1, prev);
                ps.setString(2, hash);
                ps.setLong(3, next);
                ps.executeUpdate();
            }
            prev = hash;
        }
        Head head = new Head(next, prev);
        moveHead(c, head);
        return head;
    }

    private static void moveHead(Connection c, Head h) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE audit_chain_head SET seq = ?, hash = ? WHERE id = 1")) {
            ps.setLong(1, h.seq());
            ps.setString(2, h.hash());
            ps.executeUpdate();
        }
    }
}
