package dev.meerkat.hal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class SnapshotTest {

    @Test
    void restoreBringsBackFlashWearAndCounters() throws IOException {
        FlashGeometry g = FlashGeometry.uniform(4096, 4, 4);
        Device d = Device.builder(g).build();
        d.flash().write(0, new byte[] {1, 2, 3, 4});
        d.flash().eraseSector(3);
        d.counters().advanceTo(1, 9);
        Device.Snapshot s = d.snapshot();

        d.flash().eraseSector(0);
        d.counters().advanceTo(1, 12);
        Device other = Device.builder(g).build();
        other.restore(s);
        d.restore(s);
        for (Device x : new Device[] {d, other}) {
            assertThat(x.flash().read(0, 4)).containsExactly(1, 2, 3, 4);
            assertThat(x.flash().eraseCount(3)).isEqualTo(1);
            assertThat(x.flash().eraseCount(0)).isZero();
            assertThat(x.counters().read(1)).isEqualTo(9);
        }
        assertThat(other.snapshot()).isEqualTo(s);
    }
}
