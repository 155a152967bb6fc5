package dev.meerkat.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BootRecordTest {

    static BootRecord sample() {
        byte[] h1 = new byte[32];
        byte[] h2 = new byte[32];
        Arrays.fill(h1, (byte) 0x11);
        Arrays.fill(h2, (byte) 0x22);
        return new BootRecord(
                0x01020304L,
                Slot.B,
                Optional.of(Slot.A),
                false,
                1,
                RollbackReason.TEST_BOOT_WATCHDOG,
                Optional.of(Slot.B),
                0b01,
                h1,
                h2);
    }

    @Test
    void roundTrips() {
        BootRecord r = sample();
        byte[] enc = r.encode();
        assertThat(enc).hasSize(BootRecord.SIZE);
        assertThat(BootRecord.decode(enc, 0)).contains(r);
        assertThat(r.phase()).isEqualTo(BootPhase.TESTING);
        assertThat(r.running()).isEqualTo(Slot.B);
    }

    @Test
    void byteLayoutIsAsDocumented() {
        byte[] e = sample().encode();
        assertThat(Arrays.copyOfRange(e, 0, 4)).containsExactly('M', 'K', 'B', 'S');
        assertThat(Arrays.copyOfRange(e, 4, 8)).containsExactly(4, 3, 2, 1);
        assertThat(e[8]).isEqualTo((byte) 1); // format
        assertThat(e[9]).isEqualTo((byte) 1); // active B
        assertThat(e[10]).isEqualTo((byte) 0); // revert A
        assertThat(e[11]).isEqualTo((byte) 0); // not committed
        assertThat(e[12]).isEqualTo((byte) 1); // attempts
        assertThat(e[13]).isEqualTo((byte) RollbackReason.TEST_BOOT_WATCHDOG.code());
        assertThat(e[14]).isEqualTo((byte) 1); // rejected mask: A
        assertThat(e[15]).isEqualTo((byte) 1); // rollback slot B
        assertThat(Arrays.copyOfRange(e, 16, 22)).containsOnly(0x11);
        assertThat(Arrays.copyOfRange(e, 22, 28)).containsOnly(0x22);
    }

    @Test
    void everySingleBitFlipIsRejected() {
        byte[] enc = sample().encode();
        for (int bit = 0; bit < BootRecord.SIZE * 8; bit++) {
            byte[] c = enc.clone();
            c[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThat(BootRecord.decode(c, 0)).as("bit %d", bit).isEmpty();
        }
    }

    @Test
    void everyTornPrefixIsRejected() {
        byte[] enc = sample().encode();
        for (int n = 0; n < BootRecord.SIZE; n++) {
            byte[] torn = new byte[BootRecord.SIZE];
            Arrays.fill(torn, (byte) 0xFF);
            System.arraycopy(enc, 0, torn, 0, n);
            assertThat(BootRecord.decode(torn, 0)).as("prefix %d", n).isEmpty();
        }
    }

    @Test
    void rejectsInconsistentFields() {
        assertThatThrownBy(
                        () ->
                                new BootRecord(
                                        1,
                                        Slot.A,
                                        Optional.of(Slot.A),
                                        true,
                                        0,
                                        RollbackReason.NONE,
                                        Optional.empty(),
                                        0,
                                        null,
                                        null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () ->
                                new BootRecord(
                                        -1,
                                        Slot.A,
                                        Optional.empty(),
                                        true,
                                        0,
                                        RollbackReason.NONE,
                                        Optional.empty(),
                                        0,
                                        null,
                                        null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () ->
                                new BootRecord(
                                        1,
                                        Slot.A,
                                        Optional.empty(),
                                        true,
                                        0,
                                        RollbackReason.NONE,
                                        Optional.empty(),
                                        4,
                                        null,
                                        null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reasonCodesAreStable() {
        for (RollbackReason r : RollbackReason.values()) {
            assertThat(RollbackReason.ofCode(r.code())).isEqualTo(r);
        }
        assertThat(RollbackReason.ofCode(0xEE)).isEqualTo(RollbackReason.NONE);
        assertThat(RollbackReason.TEST_BOOT_WATCHDOG.code()).isEqualTo(1);
        assertThat(RollbackReason.IMAGE_DOWNGRADE.code()).isEqualTo(0x19);
    }
}
