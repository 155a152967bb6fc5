package dev.meerkat.cli.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.cli.Cli;
import org.junit.jupiter.api.Test;

class BootsimCommandTest {

    private static String lastLine(String out) {
        String[] lines = out.strip().split("\\R");
        return lines[lines.length - 1];
    }

    @Test
    void powercutJsonIsOneObjectAndTheScenarioLinesGoToStderr() throws Exception {
        Cli.Run r =
                Cli.run(
                        "bootsim",
                        "powercut",
                        "--scenario",
                        "commit",
                        "--profile",
                        "uniform-4k",
                        "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().strip().lines()).hasSize(1);
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("scenarios").asInt()).isEqualTo(1);
        assertThat(j.get("cutPoints").asInt()).isPositive();
        assertThat(j.get("bricked").asInt()).isZero();
        assertThat(j.get("downgraded").asInt()).isZero();
        assertThat(j.get("wrongImage").asInt()).isZero();
        assertThat(j.get("passed").asBoolean()).isTrue();
        assertThat(r.err()).contains("commit").contains("uniform-4k");
    }

    @Test
    void powercutOfTheSecureBootBoardCutsFlashAndChip() throws Exception {
        Cli.Run r =
                Cli.run(
                        "bootsim",
                        "powercut",
                        "--profile",
                        "secure-boot",
                        "--scenario",
                        "first-boot",
                        "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().strip().lines()).hasSize(1);
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("cutPoints").asInt()).isPositive();
        assertThat(j.get("bricked").asInt()).isZero();
        assertThat(j.get("unapproved").asInt()).isZero();
        assertThat(j.get("passed").asBoolean()).isTrue();
        assertThat(r.err()).contains("first-boot").contains("chip_commands=");
    }

    @Test
    void powercutWithoutJsonSaysPass() {
        Cli.Run r =
                Cli.run(
                        "bootsim",
                        "powercut",
                        "--scenario",
                        "rollback-watchdog",
                        "--profile",
                        "mixed-ecc");
        assertThat(r.exitCode()).isZero();
        assertThat(lastLine(r.out())).contains("PASS");
    }

    @Test
    void runShowsWhatTheBootloaderDid() {
        Cli.Run r = Cli.run("bootsim", "run", "--scenario", "rollback-watchdog");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("test boot of B")
                .contains("TEST_BOOT_WATCHDOG")
                .contains("runs 1.0.0+0 in slot A (NORMAL boot)");
    }

    @Test
    void listNamesScenariosProfilesAndTransitions() {
        Cli.Run r = Cli.run("bootsim", "list");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out())
                .contains("install-update")
                .contains("boot-state-rotation")
                .contains("stm32f4")
                .contains("TESTING   --COMMIT");
    }

    @Test
    void unknownScenarioIsAUsageError() {
        Cli.Run r = Cli.run("bootsim", "powercut", "--scenario", "nope");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("unknown scenario nope");
    }

    @Test
    void boottimeJsonIsOneDocumentWithAFigureSetPerSlot() throws Exception {
        Cli.Run r =
                Cli.run(
                        "bootsim",
                        "boottime",
                        "--slot-size",
                        "128KiB",
                        "--slot-size",
                        "262144",
                        "--boots",
                        "2",
                        "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().strip().lines()).hasSize(1);
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("boots").asInt()).isEqualTo(2);
        JsonNode slots = j.get("slots");
        assertThat(slots).hasSize(2);
        assertThat(slots.get(0).get("slotBytes").asLong()).isEqualTo(131072);
        assertThat(slots.get(1).get("slotBytes").asLong()).isEqualTo(262144);
        for (JsonNode s : slots) {
            // A normal boot reads the whole image once, plus the boot state and TLVs.
            assertThat(s.get("bytesRead").asLong())
                    .isGreaterThanOrEqualTo(s.get("imageBytes").asLong());
            assertThat(s.get("bootMsMedian").asDouble())
                    .isGreaterThanOrEqualTo(s.get("bootMsMin").asDouble());
            assertThat(s.has("sha256OpensslMBPerSecond")).isTrue();
        }
    }

    @Test
    void boottimeRefusesSlotsThatAreNotWholeSectors() {
        Cli.Run r = Cli.run("bootsim", "boottime", "--slot-size", "100000");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("multiple of 64 KiB");
    }
}
