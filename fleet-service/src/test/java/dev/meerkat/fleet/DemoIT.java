package dev.meerkat.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.cli.Meerkat;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meerkat demo}, whole, with the packaged service (target/quarkus-app, hence an integration
 * test): every step behaves as expected, and the fleet step went through fleet-service: its H2
 * database in the demo's directory holds the phased v2 deployment, completed with every execution
 * succeeded, and the v2-broken one, aborted with its phase-1 executions failed for TEST_BOOT_FAULT
 * and every other execution canceled without ever being released.
 */
class DemoIT {

    @Test
    void demoRunsEveryStepAsExpectedAndItsFleetGoesThroughFleetService(@TempDir Path tmp)
            throws Exception {
        Path dir = tmp.resolve("demo");
        StringWriter out = new StringWriter();
        int rc =
                Meerkat.run(
                        new String[] {"demo", "--dir", dir.toString()},
                        new PrintWriter(out, true),
                        new PrintWriter(out, true));
        String text = out.toString();
        assertThat(rc).as(text).isZero();
        assertThat(text)
                .contains("Demo complete")
                .doesNotContain("UNEXPECTED")
                .contains(
                        "v2-rollout: COMPLETED, 5 of 5 devices committed v2 (2.0.0) over 3 phases")
                .contains("v2-broken-rollout: ABORTED in phase 1")
                .contains("rolled back: TEST_BOOT_FAULT")
                .contains("fleet-service stopped");
        assertThat(Files.readString(dir.resolve("release-key.pem"), StandardCharsets.US_ASCII))
                .contains("PRIVATE KEY");

        // The service was stopped: its embedded database can be opened and read directly.
        Path db = dir.resolve("fleet-service/fleet");
        assertThat(dir.resolve("fleet-service/fleet.mv.db")).exists();
        assertThat(dir.resolve("fleet-service/service.log")).exists();
        try (Connection c =
                DriverManager.getConnection(
                        "jdbc:h2:file:" + db + ";MODE=PostgreSQL;ACCESS_MODE_DATA=r",
                        "meerkat",
                        "meerkat")) {
            assertThat(states(c, "v2-rollout")).isEqualTo(Map.of("SUCCEEDED", 5));
            assertThat(one(c, "SELECT state FROM deployments WHERE id = 'v2-rollout'"))
                    .isEqualTo("COMPLETED");
            assertThat(one(c, "SELECT state FROM deployments WHERE id = 'v2-broken-rollout'"))
                    .isEqualTo("ABORTED");
            assertThat(states(c, "v2-broken-rollout"))
                    .isEqualTo(Map.of("FAILED", 2, "CANCELED", 3));
            try (ResultSet r =
                    c.createStatement()
                            .executeQuery(
                                    "SELECT phase, rollback_reason, released_at FROM executions"
                                            + " WHERE deployment_id = 'v2-broken-rollout' AND state = 'FAILED'")) {
                while (r.next()) {
                    assertThat(r.getInt(1)).isZero();
                    assertThat(r.getString(2)).startsWith("TEST_BOOT_FAULT");
                    assertThat(r.getObject(3)).isNotNull();
                }
            }
            // queued devices were never told: their executions were never released
            assertThat(
                            one(
                                    c,
                                    "SELECT COUNT(*) FROM executions WHERE deployment_id ="
                                            + " 'v2-broken-rollout' AND state = 'CANCELED' AND"
                                            + " released_at IS NULL"))
                    .isEqualTo("3");
        }
    }

    private static Map<String, Integer> states(Connection c, String deployment) throws Exception {
        Map<String, Integer> m = new HashMap<>();
        try (ResultSet r =
                c.createStatement()
                        .executeQuery(
                                "SELECT state, COUNT(*) FROM executions WHERE deployment_id = '"
                                        + deployment
                                        + "' GROUP BY state")) {
            while (r.next()) m.put(r.getString(1), r.getInt(2));
        }
        return m;
    }

    private static String one(Connection c, String sql) throws Exception {
        try (ResultSet r = c.createStatement().executeQuery(sql)) {
            assertThat(r.next()).as(sql).isTrue();
            return r.getString(1);
        }
    }
}
