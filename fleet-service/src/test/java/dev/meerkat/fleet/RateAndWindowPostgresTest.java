package dev.meerkat.fleet;

import static dev.meerkat.fleet.Api.ADMIN;
import static dev.meerkat.fleet.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Release rates and maintenance windows end to end: deployments created over the REST API, devices
 * polling the HTTP device API and reporting at once, and the executions' release and outcome times
 * (stamped by the service) checked against the token bucket the plan allows. Assertions are upper
 * bounds on how many executions were released in any interval, never lower bounds on speed.
 */
@QuarkusTest
@WithTestResource(PostgresS3Resource.class)
class RateAndWindowPostgresTest {

    /** One execution as the deployments API lists it. */
    record Ex(String device, String state, Instant releasedAt, Instant updatedAt) {}

    /**
     * Devices that poll in a loop and run whatever they are offered (success), until stopped: the
     * outcome follows the release within a poll round.
     */
    static final class Pollers implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicReference<Throwable> error = new AtomicReference<>();
        private final Thread thread;
        private final Set<String> ran = java.util.concurrent.ConcurrentHashMap.newKeySet();

        Pollers(List<DeviceSim> devices) {
            thread =
                    new Thread(
                            () -> {
                                try {
                                    while (!stop.get()) {
                                        for (DeviceSim d : devices) {
                                            if (ran.contains(d.id())) continue;
                                            if (d.runOnce("1.0.0", false) != null) ran.add(d.id());
                                        }
                                        Thread.sleep(100);
                                    }
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                } catch (Throwable t) {
                                    error.set(t);
                                }
                            },
                            "device-pollers");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
            assertThat(error.get()).as("a device poller failed").isNull();
        }
    }

    static Instant instant(Object o) {
        if (o == null) return null;
        if (o instanceof Number n) {
            double s = n.doubleValue();
            return Instant.ofEpochSecond((long) Math.floor(s), (long) ((s % 1) * 1e9));
        }
        return Instant.parse(o.toString());
    }

    static List<Ex> executions(String dep) {
        List<Map<String, Object>> raw = Api.executions(dep);
        List<Ex> out = new ArrayList<>();
        for (Map<String, Object> e : raw) {
            out.add(
                    new Ex(
                            (String) e.get("deviceId"),
                            (String) e.get("state"),
                            instant(e.get("releasedAt")),
                            instant(e.get("updatedAt"))));
        }
        return out;
    }

    /** Every audit entry about {@code subject} with {@code action}, oldest first. */
    static List<Map<String, Object>> audit(String action, String subject) {
        List<Map<String, Object>> out = new ArrayList<>();
        long after = 0;
        while (true) {
            JsonPath page =
                    as(ADMIN)
                            .get("/api/v1/audit?limit=5000&after=" + after)
                            .then()
                            .statusCode(200)
                            .extract()
                            .jsonPath();
            List<Map<String, Object>> entries = page.getList("entries");
            for (Map<String, Object> e : entries) {
                if (action.equals(e.get("action")) && subject.equals(e.get("subject"))) out.add(e);
            }
            Long next = page.get("next") == null ? null : page.getLong("next");
            if (next == null) return out;
            after = next;
        }
    }

    /** The token bucket's cap for a rate (the service keeps at most 10 s of it). */
    static double cap(double perMinute) {
        return Math.max(1, perMinute / 6);
    }

    static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }

    /**
     * Executions released in [t_i, t_j] of the sorted release times, minus what a bucket with
     * {@code cap} tokens refilled at {@code perMinute} allows; positive means the rate was
     * exceeded.
     */
    static double excess(List<Instant> released, int i, int j, double perMinute) {
        double allowed =
                cap(perMinute) + perMinute * seconds(released.get(i), released.get(j)) / 60.0;
        return (j - i + 1) - allowed - 1e-6;
    }

    static List<DeviceSim> fleetWithGroup(String prefix, int n) {
        List<DeviceSim> devices = RolloutPostgresTest.fleet(prefix, n, Map.of());
        Api.staticGroup(prefix + "-all", devices.stream().map(DeviceSim::id).toList());
        return devices;
    }

    @Test
    void maximumPerMinuteCapsEveryIntervalAndTheRolloutStillCompletes() throws Exception {
        int perMinute = 12; // a bucket of 2, then one more every 5 s
        List<DeviceSim> devices = fleetWithGroup("cap", 6);
        Api.upload("cap-v2", TestReleases.image("2.1.0"));
        Instant created = Instant.now();
        try (Pollers p = new Pollers(devices)) {
            Api.deploy("cap-dep", "cap-v2", "cap-all", Map.of("maximumPerMinute", perMinute));
            JsonPath done =
                    Api.awaitStatus(
                            "cap-dep",
                            s -> Api.state(s).equals("COMPLETED"),
                            Duration.ofSeconds(90));
            assertThat(Api.total(done, "SUCCEEDED")).isEqualTo(6);
        }
        List<Ex> ex = executions("cap-dep");
        assertThat(ex).hasSize(6).allSatisfy(e -> assertThat(e.state()).isEqualTo("SUCCEEDED"));
        List<Instant> released =
                ex.stream().map(Ex::releasedAt).sorted(Comparator.naturalOrder()).toList();
        assertThat(released.get(0)).isAfterOrEqualTo(created.minusSeconds(1));
        for (int i = 0; i < released.size(); i++) {
            for (int j = i; j < released.size(); j++) {
                assertThat(excess(released, i, j, perMinute))
                        .as(
                                "executions %d..%d released between %s and %s exceed %d/min",
                                i + 1, j + 1, released.get(i), released.get(j), perMinute)
                        .isLessThanOrEqualTo(0);
            }
        }
        // Each device finished only after it was released.
        assertThat(ex).allSatisfy(e -> assertThat(e.updatedAt()).isAfter(e.releasedAt()));
        // The audit trail agrees: no release step let out more than the bucket holds, and the
        // steps add up to the fleet.
        List<Map<String, Object>> steps = audit("deployment.release", "cap-dep");
        int sum = 0;
        for (Map<String, Object> s : steps) {
            String detail = (String) s.get("detail");
            int n = Integer.parseInt(detail.substring(0, detail.indexOf(' ')));
            assertThat(n).as("one release step: %s", detail).isLessThanOrEqualTo(2);
            sum += n;
        }
        assertThat(sum).isEqualTo(6);
        assertThat(steps.size()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void exponentialRateGrowsOneStepPerSuccessesAndNeverFaster() throws Exception {
        // 6/min (one at a time, 10 s apart) until 2 successes, then 24/min, from 4 successes
        // 96/min.
        int base = 6;
        double factor = 4;
        int perStep = 2;
        List<DeviceSim> devices = fleetWithGroup("exp", 8);
        Api.upload("exp-v2", TestReleases.image("2.1.1"));
        try (Pollers p = new Pollers(devices)) {
            Api.deploy(
                    "exp-dep",
                    "exp-v2",
                    "exp-all",
                    Map.of(
                            "exponentialRate",
                            Map.of(
                                    "baseRatePerMinute",
                                    base,
                                    "incrementFactor",
                                    factor,
                                    "succeededPerStep",
                                    perStep)));
            JsonPath done =
                    Api.awaitStatus(
                            "exp-dep",
                            s -> Api.state(s).equals("COMPLETED"),
                            Duration.ofSeconds(120));
            assertThat(Api.total(done, "SUCCEEDED")).isEqualTo(8);
        }
        List<Ex> ex = executions("exp-dep");
        assertThat(ex).hasSize(8).allSatisfy(e -> assertThat(e.state()).isEqualTo("SUCCEEDED"));
        List<Instant> released =
                ex.stream().map(Ex::releasedAt).sorted(Comparator.naturalOrder()).toList();
        List<Instant> succeeded =
                ex.stream().map(Ex::updatedAt).sorted(Comparator.naturalOrder()).toList();
        // A release step reads the success count after taking its timestamp, so a success
        // stamped up to a moment later may already count: the model below credits every success
        // one second early, which only ever allows more.
        Duration slack = Duration.ofSeconds(1);
        for (int j = 0; j < released.size(); j++) {
            Instant tj = released.get(j);
            long known = succeeded.stream().filter(s -> !s.minus(slack).isAfter(tj)).count();
            double rateAtJ = base * Math.pow(factor, known / perStep);
            for (int i = 0; i <= j; i++) {
                assertThat(excess(released, i, j, rateAtJ))
                        .as(
                                "executions %d..%d released between %s and %s, with at most %d"
                                        + " successes known, exceed %.0f/min",
                                i + 1, j + 1, released.get(i), tj, known, rateAtJ)
                        .isLessThanOrEqualTo(0);
            }
        }
        // Before the first step (2 successes) the base rate held: one at a time, 10 s apart.
        Instant firstStep = succeeded.get(perStep - 1);
        List<Instant> beforeStep =
                released.stream().filter(t -> t.isBefore(firstStep.minus(slack))).toList();
        assertThat(beforeStep).isNotEmpty();
        assertThat(excess(beforeStep, 0, beforeStep.size() - 1, base)).isLessThanOrEqualTo(0);
        // After it the rate did grow: the later releases came faster than 6/min would allow.
        List<Instant> afterStep = released.stream().filter(t -> t.isAfter(firstStep)).toList();
        assertThat(afterStep).hasSizeGreaterThan(1);
        assertThat(excess(afterStep, 0, afterStep.size() - 1, base))
                .as("releases after %s, by the base rate alone: %s", firstStep, afterStep)
                .isGreaterThan(0);
    }

    @Test
    void closedMaintenanceWindowHoldsExecutionsQueuedUntilItOpens() throws Exception {
        // Windows are "HH:MM" in UTC: this one opens at the next whole minute at least 15 s away,
        // so the deployment starts closed, and lasts 5 minutes.
        Instant now = Instant.now();
        Instant opens = now.truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES);
        if (Duration.between(now, opens).toSeconds() < 15)
            opens = opens.plus(1, ChronoUnit.MINUTES);
        String start =
                String.format(
                        "%02d:%02d",
                        opens.atZone(ZoneOffset.UTC).getHour(),
                        opens.atZone(ZoneOffset.UTC).getMinute());
        List<DeviceSim> devices = fleetWithGroup("mw", 3);
        List<DeviceSim> control = fleetWithGroup("mw-ctl", 1);
        Api.upload("mw-v2", TestReleases.image("2.1.2"));
        Api.deploy(
                "mw-dep",
                "mw-v2",
                "mw-all",
                Map.of(
                        "maintenanceWindows",
                        List.of(Map.of("start", start, "durationMinutes", 5))));
        // A deployment without a window, created after: once it is released, the engine has
        // stepped the windowed one too (every tick steps every active deployment).
        Api.deploy("mw-ctl-dep", "mw-v2", "mw-ctl-all", Map.of());
        Api.awaitStatus("mw-ctl-dep", s -> s.getInt("phases[0].released") == 1);
        Thread.sleep(2000); // a few more ticks
        assertThat(Instant.now()).as("still before the window").isBefore(opens);
        JsonPath held = Api.status("mw-dep");
        assertThat(Api.state(held)).isEqualTo("RUNNING");
        assertThat(held.getInt("phases[0].released")).isZero();
        assertThat(Api.total(held, "QUEUED")).isEqualTo(3);
        for (DeviceSim d : devices) {
            assertThat(d.poll("1.0.0")).as("%s is told nothing while closed", d.id()).isNull();
        }
        assertThat(executions("mw-dep")).allSatisfy(e -> assertThat(e.releasedAt()).isNull());
        assertThat(audit("deployment.release", "mw-dep")).isEmpty();

        Set<String> ran = new HashSet<>();
        try (Pollers p = new Pollers(devices)) {
            JsonPath done =
                    Api.awaitStatus(
                            "mw-dep",
                            s -> Api.state(s).equals("COMPLETED"),
                            Duration.between(Instant.now(), opens).plusSeconds(60));
            assertThat(Api.total(done, "SUCCEEDED")).isEqualTo(3);
        }
        Instant windowOpens = opens;
        assertThat(executions("mw-dep"))
                .hasSize(3)
                .allSatisfy(
                        e -> {
                            ran.add(e.device());
                            assertThat(e.releasedAt())
                                    .as("%s released once the window opened", e.device())
                                    .isAfterOrEqualTo(windowOpens);
                        });
        assertThat(ran).hasSize(3);
    }
}
