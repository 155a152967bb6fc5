package dev.meerkat.chip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.chip.TestChips.Pair;
import dev.meerkat.chip.emulator.EmulatedChip;
import dev.meerkat.chip.emulator.EmulatorTransport;
import dev.meerkat.chip.emulator.StateFile;
import dev.meerkat.chip.emulator.TimingModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Raw I2C replay, injected faults and driver retries, persistence, timing model. */
class EmulatorBehaviourTest {

    @Test
    void replaysTheIssueVectorsAsRawI2cFrames() {
        EmulatedChip emu = TestChips.fresh(DeviceType.ATECC608).emulator();
        assertThat(Hex.format(emu.wakePulse())).isEqualTo("04113343");
        emu.i2cWrite(Hex.parse("03" + "0730000000035D"));
        assertThat(Hex.format(emu.i2cRead()))
                .isEqualTo(Hex.format(Packet.response(Hex.parse("00006002"))));
        emu.i2cWrite(Hex.parse("03" + "070280000009AD"));
        byte[] r = emu.i2cRead();
        assertThat(r[0]).isEqualTo((byte) 35);
        assertThat(Crc16.check(r, 35)).isTrue();
        assertThat(Hex.format(r).substring(2, 10)).isEqualTo("0123A1B2");
        // a damaged command CRC is answered with status 0xFF
        emu.i2cWrite(Hex.parse("03" + "0730000000035E"));
        assertThat(Hex.format(emu.i2cRead())).isEqualTo(Hex.format(Packet.statusResponse(0xFF)));
        // idle keeps the chip quiet until the next wake; sleep too
        emu.i2cWrite(new byte[] {WordAddress.IDLE});
        assertThatThrownBy(emu::i2cRead).isInstanceOf(ChipCommunicationException.class);
        assertThatThrownBy(() -> emu.i2cWrite(Hex.parse("03" + "0730000000035D")))
                .isInstanceOf(ChipCommunicationException.class);
        emu.wakePulse();
        emu.i2cWrite(new byte[] {WordAddress.SLEEP});
        assertThatThrownBy(emu::i2cRead).isInstanceOf(ChipCommunicationException.class);
    }

    @Test
    void driverRetriesCorruptedResponsesAndCommErrors() {
        Pair p = TestChips.personalized(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        long counter = chip.counterIncrement(0);
        p.emulator().faults().corruptResponses(1);
        assertThat(chip.counterIncrement(0)).as("re-read, not re-executed").isEqualTo(counter + 1);
        p.emulator().faults().commErrors(2);
        assertThat(chip.info()).containsExactly(0x00, 0x00, 0x60, 0x02);
        p.emulator().faults().busyReads(5);
        assertThat(chip.random()).hasSize(32);
        assertThat(chip.retryCount()).isGreaterThanOrEqualTo(2);
        p.emulator().faults().commErrors(10);
        assertThatThrownBy(chip::info)
                .isInstanceOf(ChipStatusException.class)
                .extracting(e -> ((ChipStatusException) e).status())
                .isEqualTo(ChipStatus.CRC_OR_COMM_ERROR);
        p.emulator().faults().commErrors(-100);
        assertThat(chip.info()).hasSize(4);
    }

    @Test
    void injectedStatusesBecomeTypedErrors() {
        Pair p = TestChips.personalized(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        p.emulator().faults().failCommand(Opcode.SIGN, 0x05, 1);
        assertThatThrownBy(() -> chip.sign(0, new byte[32]))
                .isInstanceOf(ChipStatusException.class)
                .extracting(e -> ((ChipStatusException) e).status())
                .isEqualTo(ChipStatus.ECC_FAULT);
        assertThat(chip.sign(0, new byte[32])).hasSize(64);
    }

    @Test
    void selfTestFailureBlocksCryptoUntilASelfTestPasses() {
        Pair p = TestChips.personalized(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        p.emulator().faults().selfTestFailure(true);
        assertThatThrownBy(chip::wake)
                .isInstanceOf(ChipStatusException.class)
                .extracting(e -> ((ChipStatusException) e).status())
                .isEqualTo(ChipStatus.SELF_TEST_ERROR);
        p.emulator().faults().selfTestFailure(false);
        // the failed state persists until a SelfTest passes
        assertThatThrownBy(() -> chip.sign(0, new byte[32]))
                .isInstanceOf(ChipStatusException.class)
                .extracting(e -> ((ChipStatusException) e).status())
                .isEqualTo(ChipStatus.SELF_TEST_ERROR);
        assertThat(chip.selfTest(0x3B)).isTrue();
        assertThat(chip.sign(0, new byte[32])).hasSize(64);
    }

    @Test
    void rngHealthTestFailureRefusesWhatNeedsARandomNumber() {
        Pair p = TestChips.personalized(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        p.emulator().faults().rngHealthFailure(true);
        for (Runnable needsRandom :
                new Runnable[] {
                    chip::random,
                    () -> chip.nonceRandom(new byte[20]),
                    () -> chip.sign(0, new byte[32])
                }) {
            assertThatThrownBy(needsRandom::run)
                    .isInstanceOf(ChipStatusException.class)
                    .extracting(e -> ((ChipStatusException) e).status())
                    .isEqualTo(ChipStatus.HEALTH_TEST_ERROR);
        }
        assertThat(chip.info()).as("commands without random numbers run").hasSize(4);
        p.emulator().faults().rngHealthFailure(false);
        // the wake before the next command runs the health test again
        assertThat(chip.random()).hasSize(32);
    }

    @Test
    void stateSurvivesARestartThroughTheStateFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("chip.state");
        EmulatedChip emu = StateFile.openOrCreate(file, DeviceType.ATECC608);
        CryptoChip chip =
                new CryptoChip(
                        new EmulatorTransport(emu),
                        DeviceType.ATECC608,
                        3,
                        CryptoChip.Wait.POLL,
                        ms -> {});
        chip.writeConfigZone(TestChips.testConfig(chip.readConfigZone()));
        chip.lockConfig();
        byte[] pub = chip.genKey(0);
        chip.counterIncrement(1);
        assertThat(Files.readString(file)).contains("device=ATECC608").doesNotContain(".tmp");
        try (var files = Files.list(dir)) {
            assertThat(files.count()).as("no temporary files left").isEqualTo(1);
        }

        EmulatedChip again = StateFile.read(file);
        CryptoChip chip2 =
                new CryptoChip(
                        new EmulatorTransport(again),
                        DeviceType.ATECC608,
                        3,
                        CryptoChip.Wait.POLL,
                        ms -> {});
        assertThat(chip2.serialNumber()).containsExactly(chip.serialNumber());
        assertThat(chip2.config().configLocked()).isTrue();
        assertThat(chip2.publicKey(0)).containsExactly(pub);
        assertThat(chip2.counterRead(1)).isEqualTo(1);
    }

    @Test
    void datasheetTimingKeepsTheChipBusyAndTheDriverWaits() {
        Pair p = TestChips.fresh(DeviceType.ATECC608);
        p.emulator().timing(TimingModel.DATASHEET);
        CryptoChip chip = new CryptoChip(new EmulatorTransport(p.emulator()), DeviceType.ATECC608);
        assertThat(chip.info()).hasSize(4);
        EmulatedChip emu = p.emulator();
        emu.wakePulse();
        emu.i2cWrite(Hex.parse("03" + "0730000000035D"));
        // busy or ready depending on scheduling; either way the response arrives within the
        // datasheet time
        long deadline = System.nanoTime() + 2_000_000_000L;
        byte[] r = null;
        while (r == null && System.nanoTime() < deadline) {
            try {
                r = emu.i2cRead();
            } catch (ChipCommunicationException busy) {
                Thread.onSpinWait();
            }
        }
        assertThat(r).isNotNull();
        assertThat(emu.chipMillis())
                .isEqualTo(2L * DeviceType.ATECC608.executionMillis(Opcode.INFO));
    }
}
