package dev.meerkat.fleet.audit;

import static dev.meerkat.fleet.Api.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.cli.Meerkat;
import dev.meerkat.fleet.Api;
import dev.meerkat.fleet.DeviceSim;
import dev.meerkat.fleet.PostgresS3Resource;
import dev.meerkat.fleet.TestReleases;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.store.Database;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The fleet's audit trail as a hash chain, checked by the real {@code meerkat audit verify}: intact
 * after a rollout and after many concurrent writers, and broken (exit 1) by an edited row, a
 * deleted row or a truncated tail edited directly in PostgreSQL.
 */
@QuarkusTest
@WithTestResource(PostgresS3Resource.class)
class AuditChainPostgresTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    java.net.URL root;

    @Inject AuditLog audit;

    @Inject Database db;

    record Run(int exit, String out, String err) {}

    synchronized Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        System.setProperty("meerkat.token", ADMIN);
        try {
            int rc = Meerkat.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
            return new Run(rc, out.toString(), err.toString());
        } finally {
            System.clearProperty("meerkat.token");
        }
    }

    String url() {
        return root.toString().replaceAll("/$", "");
    }

    Run verifyLive() {
        return cli("audit", "verify", "--url", url());
    }

    static Connection sql() throws Exception {
        return DriverManager.getConnection(PostgresS3Resource.jdbcUrl(), "meerkat", "unused");
    }

    @Test
    void chainVerifiesAfterARolloutAndTheCliDetectsEditedDeletedAndTruncatedRows()
            throws Exception {
        List<DeviceSim> devices = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            DeviceSim d = new DeviceSim("chain-" + i, "token-of-chain-" + i + "-0123456789");
            Api.registerWithToken(d.id(), d.token(), Map.of("platform", "meerkat-sim"));
            devices.add(d);
        }
        String release = Api.upload("chain-v2", TestReleases.image("2.0.0"));
        Api.staticGroup("chain-all", devices.stream().map(DeviceSim::id).toList());
        Api.deploy("chain-dep", release, "chain-all", Map.of("phases", List.of(Map.of())));
        Api.awaitStatus("chain-dep", s -> s.getInt("phases[0].released") == 3);
        for (DeviceSim d : devices) assertThat(d.runOnce("1.0.0", false)).isEqualTo("chain-dep");
        Api.awaitStatus("chain-dep", s -> Api.state(s).equals("COMPLETED"));

        Run ok = cli("audit", "verify", "--url", url(), "--json");
        assertThat(ok.exit()).as(ok.toString()).isZero();
        JsonNode report = JSON.readTree(ok.out());
        assertThat(report.path("intact").asBoolean()).isTrue();
        assertThat(report.path("firstSeq").asLong()).isEqualTo(1);
        Path export = Files.createTempFile("fleet-audit", ".json");
        Run exported = cli("audit", "export", "--url", url(), "-o", export.toString());
        assertThat(exported.exit()).as(exported.toString()).isZero();
        JsonNode entries = JSON.readTree(export.toFile()).path("entries");
        assertThat(entries)
                .anySatisfy(
                        e -> {
                            assertThat(e.path("action").asText()).isEqualTo("execution.succeeded");
                            assertThat(e.path("subject").asText()).isEqualTo("chain-dep/chain-0");
                        });
        Run offline = cli("audit", "verify", export.toString());
        assertThat(offline.exit()).as(offline.toString()).isZero();
        long last = entries.get(entries.size() - 1).path("seq").asLong();
        long mid = last / 2;

        // An edited row: its hash no longer matches its content.
        try (Connection c = sql()) {
            String detail = one(c, "SELECT detail FROM audit_log WHERE seq = " + mid);
            update(c, "UPDATE audit_log SET detail = 'nothing to see' WHERE seq = " + mid);
            Run edited = verifyLive();
            update(c, "UPDATE audit_log SET detail = ? WHERE seq = " + mid, detail);
            assertThat(edited.exit()).as(edited.toString()).isEqualTo(1);
            assertThat(edited.err()).contains("seq " + mid).contains("altered");
        }
        // A deleted row: a gap in the sequence.
        try (Connection c = sql()) {
            update(c, "CREATE TEMP TABLE saved AS SELECT * FROM audit_log WHERE seq = " + mid);
            update(c, "DELETE FROM audit_log WHERE seq = " + mid);
            Run deleted = verifyLive();
            update(c, "INSERT INTO audit_log SELECT * FROM saved");
            update(c, "DROP TABLE saved");
            assertThat(deleted.exit()).as(deleted.toString()).isEqualTo(1);
            assertThat(deleted.err()).contains("sequence gap");
        }
        assertThat(verifyLive().exit()).isZero();
        // A truncated tail, the head row moved back to match: the live chain is consistent again,
        // but the earlier export's signed checkpoint still names the removed entries.
        try (Connection c = sql()) {
            long head = Long.parseLong(one(c, "SELECT seq FROM audit_chain_head"));
            String headHash = one(c, "SELECT hash FROM audit_chain_head");
            update(
                    c,
                    "CREATE TEMP TABLE tail AS SELECT * FROM audit_log WHERE seq > " + (head - 2));
            update(c, "DELETE FROM audit_log WHERE seq > " + (head - 2));
            update(
                    c,
                    "UPDATE audit_chain_head SET seq = ?, hash = (SELECT hash FROM audit_log WHERE seq = ?)",
                    head - 2,
                    head - 2);
            Run truncated = cli("audit", "verify", "--url", url(), export.toString());
            update(c, "INSERT INTO audit_log SELECT * FROM tail");
            update(c, "DROP TABLE tail");
            update(c, "UPDATE audit_chain_head SET seq = ?, hash = ?", head, headHash);
            update(c, "DELETE FROM audit_checkpoint WHERE seq = ?", head - 2);
            assertThat(truncated.exit()).as(truncated.toString()).isEqualTo(1);
            assertThat(truncated.err()).contains("no longer holds entry seq " + last);
        }
        assertThat(verifyLive().exit()).isZero();
        // A later export continues the first one: verified from its checkpoint on.
        audit.record(Caller.SYSTEM, "test.after-export", "chain", null);
        Path later = Files.createTempFile("fleet-audit-later", ".json");
        assertThat(
                        cli(
                                        "audit",
                                        "export",
                                        "--url",
                                        url(),
                                        "--from",
                                        export.toString(),
                                        "-o",
                                        later.toString())
                                .exit())
                .isZero();
        Run continued = cli("audit", "verify", "--from", export.toString(), later.toString());
        assertThat(continued.exit()).as(continued.toString()).isZero();
    }

    /**
     * Many writers at once (separate transactions on separate connections, as two replicas are):
     * the chain stays gapless and intact. Prints the rate of audited transactions next to the same
     * transactions unaudited (a figure for the record, not an assertion).
     */
    @Test
    void concurrentWritersKeepAValidChain() throws Exception {
        db.tx(
                c -> {
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "CREATE TABLE IF NOT EXISTS audit_bench (id INT PRIMARY KEY, n BIGINT)")) {
                        ps.executeUpdate();
                    }
                    for (int i = 0; i < 8; i++) {
                        try (PreparedStatement ps =
                                c.prepareStatement(
                                        "INSERT INTO audit_bench VALUES (?, 0) ON CONFLICT DO NOTHING")) {
                            ps.setInt(1, i);
                            ps.executeUpdate();
                        }
                    }
                    return null;
                });
        long before = audit.head().seq();
        double plain = rate(8, 250, false);
        double audited = rate(8, 250, true);
        System.out.printf(
                "audit chain: %.0f audited transactions/s, %.0f unaudited (8 writers, 250 each)%n",
                audited, plain);
        try (Connection c = sql()) {
            assertThat(
                            one(
                                    c,
                                    "SELECT COUNT(*) FROM audit_log WHERE action = 'test.concurrent' AND seq > "
                                            + before))
                    .isEqualTo("2000");
        }
        Run ok = cli("audit", "verify", "--url", url(), "--json");
        assertThat(ok.exit()).as(ok.toString()).isZero();
        assertThat(JSON.readTree(ok.out()).path("lastSeq").asLong())
                .isGreaterThanOrEqualTo(before + 2000);
    }

    /**
     * On PostgreSQL a transaction's entries go in as multi-row INSERTs of at most 500 rows, the
     * last of which also moves the chain head: 1,201 entries take three statements.
     */
    @Test
    void aTransactionWithMoreEntriesThanOneStatementHoldsStaysChained() throws Exception {
        long before = audit.head().seq();
        List<AuditLog.Pending> entries = new ArrayList<>();
        for (int i = 0; i < 1201; i++)
            entries.add(new AuditLog.Pending(Caller.SYSTEM, "test.bulk", "bulk-" + i, null));
        db.tx(
                c -> {
                    audit.recordAll(c, entries);
                    return null;
                });
        try (Connection c = sql()) {
            // one transaction's entries are consecutive: the head stays locked until its commit
            assertThat(
                            one(
                                    c,
                                    "SELECT COUNT(*) || ' ' || (MAX(seq) - MIN(seq)) FROM audit_log"
                                            + " WHERE action = 'test.bulk' AND seq > "
                                            + before))
                    .isEqualTo("1201 1200");
        }
        Run ok = cli("audit", "verify", "--url", url(), "--json");
        assertThat(ok.exit()).as(ok.toString()).isZero();
        assertThat(JSON.readTree(ok.out()).path("lastSeq").asLong())
                .isGreaterThanOrEqualTo(before + 1201);
    }

    private double rate(int writers, int each, boolean audited) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            long t0 = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                done.add(
                        pool.submit(
                                () -> {
                                    for (int i = 0; i < each; i++) {
                                        db.tx(
                                                c -> {
                                                    try (PreparedStatement ps =
                                                            c.prepareStatement(
                                                                    "UPDATE audit_bench SET n = n + 1 WHERE id = ?")) {
                                                        ps.setInt(1, id);
                                                        ps.executeUpdate();
                                                    }
                                                    if (audited)
                                                        audit.record(
                                                                c,
                                                                Caller.SYSTEM,
                                                                "test.concurrent",
                                                                "writer-" + id,
                                                                null);
                                                    return null;
                                                });
                                    }
                                    return null;
                                }));
            }
            for (Future<?> f : done) f.get();
            return writers * each / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static String one(Connection c, String q) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(q);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void update(Connection c, String q, Object... args) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(q)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            ps.execute();
        }
    }
}
