package dev.meerkat.hal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceTest {

    @TempDir Path dir;

    private final FlashGeometry geometry = FlashGeometry.uniform(4096, 8, 8);

    @Test
    void runReportsCompletionOrReset() throws IOException {
        Device d = Device.builder(geometry).build();
        assertThat(d.lastResetCause()).isEqualTo(ResetCause.POWER_ON);
        assertThat(d.run(dev -> 42)).isEqualTo(new RunOutcome.Completed<>(42));

        RunOutcome<Object> r =
                d.run(
                        dev -> {
                            throw Device.reboot("update installed");
                        });
        assertThat(r)
                .isInstanceOfSatisfying(
                        RunOutcome.Reset.class,
                        reset -> assertThat(reset.cause()).isEqualTo(ResetCause.SOFTWARE));
        assertThat(d.lastResetCause()).isEqualTo(ResetCause.SOFTWARE);
        assertThat(
                        d.run(
                                dev -> {
                                    throw Device.fault("init failed");
                                }))
                .isEqualTo(new RunOutcome.Reset<>(ResetCause.FAULT, "init failed"));
        assertThat(d.resetCount()).isEqualTo(2);
    }

    @Test
    void watchdogResetsAStuckProgram() throws IOException {
        Device d = Device.builder(geometry).build();
        RunOutcome<Void> r =
                d.run(
                        dev -> {
                            dev.watchdog().start(Duration.ofSeconds(5));
                            while (true) {
                                dev.clock().advanceMillis(100); // never kicks
                            }
                        });
        assertThat(r)
                .isInstanceOfSatisfying(
                        RunOutcome.Reset.class,
                        reset -> assertThat(reset.cause()).isEqualTo(ResetCause.WATCHDOG));
        assertThat(d.clock().millis()).isEqualTo(5000);
        assertThat(d.watchdog().isRunning()).isFalse();
    }

    @Test
    void powerCutResetsAndRestoresPower() throws IOException {
        Device d = Device.builder(geometry).seed(9).build();
        d.power().cutAfter(1);
        RunOutcome<Void> r =
                d.run(
                        dev -> {
                            dev.flash().eraseSector(0);
                            dev.flash().eraseSector(1);
                            dev.flash().eraseSector(2);
                            return null;
                        });
        assertThat(r)
                .isInstanceOfSatisfying(
                        RunOutcome.Reset.class,
                        reset -> assertThat(reset.cause()).isEqualTo(ResetCause.POWER_LOSS));
        assertThat(d.power().isDown()).isFalse();
        assertThat(d.flash().eraseCount(2)).isZero();
        assertThat(d.lastResetCause()).isEqualTo(ResetCause.POWER_LOSS);
    }

    @Test
    void otherExceptionsAreNotSwallowed() throws IOException {
        Device d = Device.builder(geometry).build();
        assertThatThrownBy(
                        () ->
                                d.run(
                                        dev -> {
                                            throw new IllegalStateException("bug");
                                        }))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new SoftwareResetException(ResetCause.WATCHDOG, "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fileBackedDeviceSurvivesARestart() throws Exception {
        byte[] key =
                KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
        RootOfTrust rot = RootOfTrust.of(ProvisionedKey.publicKey(key));
        try (Device d = Device.builder(geometry).rootOfTrust(rot).backedBy(dir).build()) {
            d.flash().write(0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
            d.counters().advanceTo(0, 7);
        }
        try (Device d = Device.builder(geometry).backedBy(dir).build()) {
            assertThat(d.flash().read(0, 8)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
            assertThat(d.counters().read(0)).isEqualTo(7);
            assertThat(d.rootOfTrust()).isEqualTo(rot);
        }
        byte[] other =
                KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
        assertThatThrownBy(
                        () ->
                                Device.builder(geometry)
                                        .backedBy(dir)
                                        .rootOfTrust(
                                                RootOfTrust.of(ProvisionedKey.publicKey(other)))
                                        .build())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("already provisioned");
    }

    @Test
    void flashAreaIsConfinedToItsWindow() throws IOException {
        Device d = Device.builder(geometry).build();
        FlashArea area = new FlashArea(d.flash(), "slot", 4096, 2 * 4096);
        area.write(0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertThat(d.flash().read(4096, 8)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(area.read(0, 8)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThatThrownBy(() -> area.read(2 * 4096 - 4, 8)).isInstanceOf(FlashException.class);
        assertThat(area.sectors()).extracting(Sector::index).containsExactly(1, 2);
        area.eraseAll();
        assertThat(d.flash().eraseCount(1)).isEqualTo(1);
        assertThat(d.flash().eraseCount(3)).isZero();
        assertThatThrownBy(() -> new FlashArea(d.flash(), "bad", 100, 4096))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(area.writeAlignment()).isEqualTo(8);
    }
}
