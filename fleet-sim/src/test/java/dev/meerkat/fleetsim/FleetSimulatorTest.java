package dev.meerkat.fleetsim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.SigningKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A small fleet through the embedded broker and image server, with injected faults. */
class FleetSimulatorTest {

    @Test
    void smallFleetWithFaults() throws Exception {
        List<String> lines = new ArrayList<>();
        FleetSimulator.Result r =
                new FleetSimulator(
                                new FleetSimulator.Options(
                                        8,
                                        null,
                                        null,
                                        null,
                                        false,
                                        25,
                                        25,
                                        25,
                                        30_000,
                                        7,
                                        Duration.ofSeconds(90)),
                                lines::add)
                        .run();
        assertThat(r.devices()).isEqualTo(8);
        assertThat(r.bricked()).isZero();
        assertThat(r.failed()).as(lines.toString()).isZero();
        assertThat(r.committed() + r.rolledBack()).isEqualTo(8);
        assertThat(r.committed()).isPositive();
        assertThat(r.toJson().toString()).contains("\"rolledBack\"").contains("\"seconds\"");
    }

    @Test
    void v2CommitsThenV2BrokenRollsTheWholeFleetBackOnChipHeldKeys() throws Exception {
        SigningKey key = SigningKey.generate(KeyType.ED25519);
        List<String> lines = new ArrayList<>();
        List<FleetSimulator.Result> r =
                new FleetSimulator(
                                new FleetSimulator.Options(
                                                3,
                                                null,
                                                null,
                                                key,
                                                false,
                                                0,
                                                0,
                                                0,
                                                0,
                                                1,
                                                Duration.ofSeconds(90))
                                        .withChips(true)
                                        .withUpdates(
                                                List.of(
                                                        FleetSimulator.Update.served(
                                                                "v2",
                                                                ExampleApps.image(
                                                                        "v2", key, null, 0)),
                                                        FleetSimulator.Update.served(
                                                                "v2-broken",
                                                                ExampleApps.image(
                                                                        "v2-broken",
                                                                        key,
                                                                        null,
                                                                        0)))),
                                lines::add)
                        .runAll();
        assertThat(lines).anyMatch(l -> l.contains("ATECC608"));
        assertThat(r.get(0).committed()).as(lines.toString()).isEqualTo(3);
        assertThat(r.get(0).versions()).containsExactly(Map.entry("2.0.0", 3));
        assertThat(r.get(0).bytesServed()).isPositive();
        assertThat(r.get(1).rolledBack()).as(lines.toString()).isEqualTo(3);
        assertThat(r.get(1).reasons()).containsEntry("TEST_BOOT_FAULT", 3);
        assertThat(r.get(1).versions()).containsExactly(Map.entry("2.0.0", 3));
        assertThat(r.get(1).toJson().get("update").asText()).isEqualTo("v2-broken");
        assertThat(r.get(1).toJson().path("rollbackReasons").path("TEST_BOOT_FAULT").asInt())
                .isEqualTo(3);
        assertThat(r.get(1).failures()).as("no device failed outright").isEmpty();
    }
}
