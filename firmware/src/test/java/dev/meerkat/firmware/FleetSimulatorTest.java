package dev.meerkat.firmware;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.firmware.fleet.FleetSimulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A small fleet through the embedded broker and image server, with injected faults. */
class FleetSimulatorTest {

    @Test
    void smallFleetWithFaults() throws Exception {
        List<String> lines = new ArrayList<>();
        FleetSimulator.Result r = new FleetSimulator(new FleetSimulator.Options(8, null, null, null, false, 25, 25, 25,
                30_000, 7, Duration.ofSeconds(90)), lines::add).run();
        assertThat(r.devices()).isEqualTo(8);
        assertThat(r.bricked()).isZero();
        assertThat(r.failed()).as(lines.toString()).isZero();
        assertThat(r.committed() + r.rolledBack()).isEqualTo(8);
        assertThat(r.committed()).isPositive();
        assertThat(r.toJson().toString()).contains("\"rolled_back\"").contains("\"seconds\"");
    }

    @Test
    void brokenUpdateRollsTheWholeFleetBack() throws Exception {
        FleetSimulator.Result r = new FleetSimulator(new FleetSimulator.Options(3, null, null, null, true, 0, 0, 0,
                0, 1, Duration.ofSeconds(90)), l -> { }).run();
        assertThat(r.rolledBack()).isEqualTo(3);
        assertThat(r.reasons()).containsEntry("TEST_BOOT_FAULT", 3);
    }
}
