package dev.meerkat.chip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.chip.FullChips.Setup;
import dev.meerkat.chip.emulator.EmulatedChip;
import dev.meerkat.chip.emulator.TimingModel;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Limited-use keys and counter match, the persistent latch (volatile key permit),
 * ReqAuth/ReqRandom, SelfTest and Info modes, and the watchdog and execution times under the
 * datasheet timing model.
 */
class KeyUsePolicyTest {
    private static final byte[] CHALLENGE = HostCrypto.sha256("challenge".getBytes());
    private static final byte[] OTHER = new byte[13];

    private static int statusOf(Runnable r) {
        try {
            r.run();
            return 0;
        } catch (ChipStatusException e) {
            return e.status().code();
        }
    }

    @Test
    void limitedUseKeysCountOnCounterZeroUpToTheCountMatchValue() {
        Setup s = FullChips.personalized(0x4006, 64);
        CryptoChip chip = s.chip();
        long start = chip.counterRead(0);
        chip.mac(0x00, 10, CHALLENGE);
        assertThat(chip.counterRead(0))
                .as("a use of a limited-use key increments counter 0")
                .isEqualTo(start + 1);
        chip.spendLimitedUse(10);
        assertThat(chip.counterRead(0)).isEqualTo(start + 2);
        chip.mac(0x00, 7, CHALLENGE);
        assertThat(chip.counterRead(0)).as("other keys do not count").isEqualTo(start + 2);
        while (chip.counterRead(0) < 64) chip.counterIncrement(0);
        assertThat(statusOf(() -> chip.mac(0x00, 10, CHALLENGE)))
                .as("count match value reached")
                .isEqualTo(0x0F);
        assertThat(chip.counterRead(0)).as("a refused use does not count").isEqualTo(64);
        assertThat(chip.counterIncrement(1)).as("counter 1 is not limited").isEqualTo(1);
        // a new match value (written to the CountMatchKey slot) allows further uses
        chip.writeSlot(14, java.util.Arrays.copyOf(HostCrypto.counterMatchValue(96), 32));
        assertThat(chip.mac(0x00, 10, CHALLENGE)).hasSize(32);
        assertThat(chip.counterRead(0)).isEqualTo(65);
        // the Counter command itself is not limited by the match value: it counts up to it and past
        // it
        while (chip.counterRead(0) < 96) chip.counterIncrement(0);
        assertThat(statusOf(() -> chip.mac(0x00, 10, CHALLENGE))).isEqualTo(0x0F);
        assertThat(chip.counterIncrement(0)).isEqualTo(97);
        assertThat(chip.mac(0x00, 10, CHALLENGE))
                .as("past the match value (equality disables)")
                .hasSize(32);
        assertThat(statusOf(() -> chip.spendLimitedUse(7)))
                .as("slot 7 is not limited-use")
                .isEqualTo(0x0F);
    }

    @Test
    void aCountMatchSlotHoldingZeroSetsNoLimit() {
        Setup s = FullChips.personalized(0x4006, 64);
        CryptoChip chip = s.chip();
        chip.writeSlot(14, new byte[32]);
        assertThat(chip.counterRead(0)).isZero();
        assertThat(chip.mac(0x00, 10, CHALLENGE)).hasSize(32);
        assertThat(chip.counterRead(0)).isEqualTo(1);
    }

    @Test
    void the508aLimitsSlot15WithLastKeyUse() {
        TestChips.Pair p = TestChips.fresh(DeviceType.ATECC508A);
        byte[] config = TestChips.testConfig(p.chip().readConfigZone());
        config[ConfigZone.SLOT_CONFIG + 30] = (byte) 0xA0; // slot 15: IsSecret, LimitedUse
        config[ConfigZone.SLOT_CONFIG + 31] = (byte) 0x80;
        config[ConfigZone.LAST_KEY_USE + 15] = 0x03; // two uses left
        p.chip().writeConfigZone(config);
        p.chip().lockConfig();
        p.chip().writeSlot(15, FullChips.PARENT_KEY);
        p.chip().lockData(Crc16.compute(p.emulator().dataZoneImage()));
        p.chip().mac(0x00, 15, CHALLENGE);
        p.chip().spendLimitedUse(15);
        assertThat(statusOf(() -> p.chip().mac(0x00, 15, CHALLENGE))).isEqualTo(0x0F);
    }

    @Test
    void persistentDisableKeysNeedTheLatchSetAfterACheckMacWithThePermitKey() {
        Setup s = FullChips.personalized();
        CryptoChip chip = s.chip();
        assertThat(statusOf(() -> chip.mac(0x00, 13, CHALLENGE))).isEqualTo(0x0F);
        assertThat(statusOf(() -> chip.persistentLatch(true)))
                .as("no CheckMac with slot 7 yet")
                .isEqualTo(0x0F);
        byte[] response =
                HostCrypto.checkMacResponse(FullChips.PARENT_KEY, CHALLENGE, OTHER, null, s.sn());
        assertThat(chip.checkMac(0x00, 7, CHALLENGE, response, OTHER)).isTrue();
        chip.persistentLatch(true);
        assertThat(chip.persistentLatch()).isTrue();
        assertThat(chip.mac(0x00, 13, CHALLENGE))
                .containsExactly(
                        HostCrypto.mac(
                                0x00, 13, FullChips.LATCHED_KEY, CHALLENGE, new byte[64], s.sn()));
        // the latch survives sleep, not a power cycle
        chip.sleep();
        assertThat(chip.persistentLatch()).isTrue();
        s.emulator().powerCycle();
        assertThat(chip.persistentLatch()).isFalse();
        chip.persistentLatch(false);
        assertThat(statusOf(() -> chip.mac(0x00, 13, CHALLENGE))).isEqualTo(0x0F);
    }

    @Test
    void reqAuthAndReqRandomKeys() {
        Setup s = FullChips.personalized();
        CryptoChip chip = s.chip();
        byte[] numIn = new byte[20];
        chip.nonceRandom(numIn);
        assertThat(statusOf(() -> chip.mac(0x01, 15, null))).as("not authorised").isEqualTo(0x0F);
        byte[] response =
                HostCrypto.checkMacResponse(FullChips.PARENT_KEY, CHALLENGE, OTHER, null, s.sn());
        assertThat(chip.checkMac(0x00, 7, CHALLENGE, response, OTHER)).isTrue();
        assertThat(statusOf(() -> chip.mac(0x00, 15, CHALLENGE)))
                .as("ReqRandom: needs a random TempKey")
                .isEqualTo(0x0F);
        chip.nonceLoad(CHALLENGE);
        assertThat(statusOf(() -> chip.mac(0x05, 15, null)))
                .as("pass-through nonce")
                .isEqualTo(0x0F);
        CryptoChip.Nonce n = chip.nonceRandom(numIn);
        assertThat(chip.mac(0x01, 15, null))
                .containsExactly(
                        HostCrypto.mac(
                                0x01, 15, FullChips.AUTH_KEY, n.tempKey(), new byte[64], s.sn()));
        // the authorisation ends with sleep
        chip.sleep();
        chip.nonceRandom(numIn);
        assertThat(statusOf(() -> chip.mac(0x01, 15, null))).isEqualTo(0x0F);
    }

    @Test
    void selfTestAndInfoModes() {
        Setup s = FullChips.personalized();
        CryptoChip chip = s.chip();
        for (int mode : new int[] {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x3B, 0x3F})
            assertThat(chip.selfTest(mode)).isTrue();
        assertThat(statusOf(() -> chip.selfTest(0x00))).isEqualTo(0x03);
        assertThat(statusOf(() -> chip.selfTest(0x40))).isEqualTo(0x03);
        s.emulator().faults().selfTestFailure(true);
        assertThat(statusOf(() -> chip.selfTest(0x3B))).isEqualTo(0x07);
        s.emulator().faults().selfTestFailure(false);
        assertThat(chip.selfTest(0x3B)).isTrue();
        assertThat(chip.info()).containsExactly(0x00, 0x00, 0x60, 0x02);
        assertThat(chip.keyValid(0)).isTrue();
        assertThat(chip.keyValid(11)).isTrue();
        assertThat(chip.keyValid(3)).isFalse();
        chip.nonceLoad(CHALLENGE);
        assertThat(chip.infoState()).containsExactly(0x10, 0x01, 0x00, 0x00);
        assertThat(statusOf(() -> chip.execute(Opcode.INFO, 0x03, 0, null)))
                .as("no GPIO pin")
                .isEqualTo(0x03);
        assertThat(statusOf(() -> chip.execute(Opcode.INFO, 0x04, 0x0004, null))).isEqualTo(0x03);
    }

    @Test
    void watchdogPutsTheChipToSleepAndRefusesCommandsThatWouldOutliveIt() {
        EmulatedChip emu =
                new EmulatedChip(
                        DeviceType.ATECC608, Hex.parse("0123A1B2C3D4E5F6EE"), new SecureRandom());
        AtomicLong now = new AtomicLong(1_000_000_000L);
        emu.clock(now::get);
        emu.timing(TimingModel.DATASHEET);
        emu.wakePulse();
        emu.i2cWrite(frame(Packet.command(Opcode.NONCE, 0x03, 0, CHALLENGE)));
        now.addAndGet(25_000_000L);
        assertThat(Packet.body(emu.i2cRead())).containsExactly(0x00);
        // 1.2 s after the wake, SelfTest (250 ms) cannot finish before the 1.3 s watchdog: 0xEE,
        // nothing runs
        now.addAndGet(1_175_000_000L);
        emu.i2cWrite(frame(Packet.command(Opcode.SELFTEST, 0x3B, 0, null)));
        assertThat(Packet.body(emu.i2cRead())).containsExactly(0xEE);
        // Info (5 ms) still fits, and TempKey is still there
        emu.i2cWrite(frame(Packet.command(Opcode.INFO, 0x02, 0, null)));
        now.addAndGet(5_000_000L);
        assertThat(Packet.body(emu.i2cRead())[1]).isEqualTo((byte) 1);
        // past 1.3 s the chip is asleep: no acknowledge, and TempKey is gone after the next wake
        now.addAndGet(200_000_000L);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> emu.i2cWrite(frame(Packet.command(Opcode.INFO, 0x00, 0, null))))
                .isInstanceOf(ChipCommunicationException.class);
        emu.wakePulse();
        emu.i2cWrite(frame(Packet.command(Opcode.INFO, 0x02, 0, null)));
        now.addAndGet(5_000_000L);
        assertThat(Packet.body(emu.i2cRead())[1]).isEqualTo((byte) 0);
        // busy until the datasheet execution time has passed (ECDSA sign 115 ms at M0)
        emu.i2cWrite(frame(Packet.command(Opcode.RANDOM, 0x00, 0, null)));
        now.addAndGet(22_000_000L);
        org.assertj.core.api.Assertions.assertThatThrownBy(emu::i2cRead)
                .isInstanceOf(ChipCommunicationException.class);
        now.addAndGet(1_000_000L);
        assertThat(Packet.body(emu.i2cRead())).hasSize(32);
    }

    @Test
    void executionTimesFollowTheClockDivider() {
        assertThat(DeviceType.ATECC608.executionMillis(Opcode.SIGN, 0x00)).isEqualTo(115);
        assertThat(DeviceType.ATECC608.executionMillis(Opcode.SIGN, 0x28)).isEqualTo(220);
        assertThat(DeviceType.ATECC608.executionMillis(Opcode.VERIFY, 0x68)).isEqualTo(1085);
        assertThat(DeviceType.ATECC608.executionMillis(Opcode.AES, 0x68)).isEqualTo(27);
        assertThat(DeviceType.ATECC508A.executionMillis(Opcode.HMAC, 0x68)).isEqualTo(23);
        assertThat(DeviceType.ATECC608.supports(Opcode.HMAC)).isFalse();
    }

    private static byte[] frame(byte[] packet) {
        byte[] f = new byte[packet.length + 1];
        f[0] = WordAddress.COMMAND;
        System.arraycopy(packet, 0, f, 1, packet.length);
        return f;
    }
}
