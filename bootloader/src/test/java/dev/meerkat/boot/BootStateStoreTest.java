package dev.meerkat.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.hal.FlashArea;
import dev.meerkat.hal.FlashGeometry;
import dev.meerkat.hal.NorFlash;
import dev.meerkat.hal.OverwritePolicy;
import dev.meerkat.hal.PowerLossException;
import dev.meerkat.hal.PowerSupply;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BootStateStoreTest {

    private final PowerSupply power = new PowerSupply(5);
    private final NorFlash flash =
            NorFlash.inMemory(
                    FlashGeometry.uniform(1024, 4, 32).withOverwrite(OverwritePolicy.ERASED_ONLY),
                    power);
    private final FlashArea area = new FlashArea(flash, "boot-state", 1024, 3 * 1024);
    private final BootStateStore store = new BootStateStore(area, BootListener.NONE);

    private static BootRecord rec(long seq) {
        return new BootRecord(
                seq,
                seq % 2 == 0 ? Slot.A : Slot.B,
                Optional.empty(),
                true,
                0,
                RollbackReason.NONE,
                Optional.empty(),
                0,
                null,
                null);
    }

    @Test
    void emptyAreaHasNoState() {
        assertThat(store.load()).isEmpty();
        assertThat(store.recordsPerSector()).isEqualTo(32);
        assertThat(store.freeSlotsInCurrentSector()).isEqualTo(32);
    }

    @Test
    void newestRecordWins() {
        for (long s = 1; s <= 5; s++) {
            store.append(rec(s));
        }
        assertThat(store.load()).contains(rec(5));
        assertThat(store.freeSlotsInCurrentSector()).isEqualTo(27);
        assertThatThrownBy(() -> store.append(rec(5))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rotatesAcrossSectorsErasingTheOldestAndSpreadingWear() {
        int perSector = store.recordsPerSector();
        for (long s = 1; s <= perSector * 3L * 4; s++) {
            store.append(rec(s));
            assertThat(store.load().orElseThrow().sequence()).isEqualTo(s);
        }
        // 4 full passes over 3 sectors: every sector erased about equally
        long e1 = flash.eraseCount(1);
        long e2 = flash.eraseCount(2);
        long e3 = flash.eraseCount(3);
        assertThat(e1 + e2 + e3).isEqualTo(4L * 3 - 1);
        assertThat(Math.max(e1, Math.max(e2, e3)) - Math.min(e1, Math.min(e2, e3)))
                .isLessThanOrEqualTo(1);
        assertThat(flash.eraseCount(0)).isZero();
    }

    @Test
    void tornRecordIsIgnoredAndSkipped() {
        store.append(rec(1));
        store.append(rec(2));
        power.cutAfter(0);
        assertThatThrownBy(() -> store.append(rec(3))).isInstanceOf(PowerLossException.class);
        power.restore();
        BootRecord now = store.load().orElseThrow();
        assertThat(now.sequence()).isIn(2L, 3L);
        // the next append never programs over the torn slot (ERASED_ONLY would refuse it)
        store.append(rec(now.sequence() + 1));
        assertThat(store.load().orElseThrow().sequence()).isEqualTo(now.sequence() + 1);
    }

    @Test
    void cutDuringRotationKeepsTheLastState() {
        int perSector = store.recordsPerSector();
        for (long s = 1; s <= perSector; s++) {
            store.append(rec(s));
        }
        for (int seed = 0; seed < 10; seed++) {
            power.cutAfter(0); // the erase of the next sector
            assertThatThrownBy(() -> store.append(rec(perSector + 1)))
                    .isInstanceOf(PowerLossException.class);
            power.restore();
            assertThat(store.load()).contains(rec(perSector));
        }
        store.append(rec(perSector + 1));
        assertThat(store.load()).contains(rec(perSector + 1));
    }

    @Test
    void garbageInTheAreaIsNotAState() {
        flash.write(1024, new byte[32]);
        flash.write(2048 + 64, new byte[32]);
        assertThat(store.load()).isEmpty();
        store.append(rec(1));
        assertThat(store.load()).contains(rec(1));
    }
}
