package dev.meerkat.hal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class FlashGeometryTest {

    private final FlashGeometry mixed =
            new FlashGeometry(
                    List.of(new SectorRegion(4096, 4), new SectorRegion(131072, 2)),
                    8,
                    OverwritePolicy.CLEAR_BITS_ONLY);

    @Test
    void mixedRegionsAreLaidOutBackToBack() {
        assertThat(mixed.size()).isEqualTo(4 * 4096 + 2 * 131072);
        assertThat(mixed.sectorCount()).isEqualTo(6);
        assertThat(mixed.sector(3)).isEqualTo(new Sector(3, 3 * 4096, 4096));
        assertThat(mixed.sector(4)).isEqualTo(new Sector(4, 4 * 4096, 131072));
        assertThat(mixed.sector(5).end()).isEqualTo(mixed.size());
        assertThat(mixed.sectors())
                .hasSize(6)
                .extracting(Sector::index)
                .containsExactly(0, 1, 2, 3, 4, 5);
    }

    @Test
    void sectorAtFindsTheContainingSector() {
        assertThat(mixed.sectorAt(0).index()).isZero();
        assertThat(mixed.sectorAt(4095).index()).isZero();
        assertThat(mixed.sectorAt(4096).index()).isEqualTo(1);
        assertThat(mixed.sectorAt(4 * 4096 + 131072).index()).isEqualTo(5);
        assertThatThrownBy(() -> mixed.sectorAt(mixed.size()))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> mixed.sector(6)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void sectorBoundaries() {
        assertThat(mixed.isSectorBoundary(0)).isTrue();
        assertThat(mixed.isSectorBoundary(4096)).isTrue();
        assertThat(mixed.isSectorBoundary(4 * 4096 + 4096)).isFalse();
        assertThat(mixed.isSectorBoundary(mixed.size())).isTrue();
    }

    @Test
    void describeRoundTrips() {
        assertThat(mixed.describe()).isEqualTo("4x4096+2x131072/align=8/CLEAR_BITS_ONLY");
        assertThat(FlashGeometry.parse(mixed.describe())).isEqualTo(mixed);
        FlashGeometry strict =
                mixed.withOverwrite(OverwritePolicy.ERASED_ONLY).withWriteAlignment(32);
        assertThat(FlashGeometry.parse(strict.describe())).isEqualTo(strict);
    }

    @Test
    void rejectsInvalidGeometry() {
        assertThatThrownBy(() -> new SectorRegion(1000, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SectorRegion(4096, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FlashGeometry.uniform(4096, 1, 3))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FlashGeometry.uniform(4096, 1, 64))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FlashGeometry(List.of(), 1, OverwritePolicy.CLEAR_BITS_ONLY))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(FlashGeometry.uniform(4096, 1, 1).writeAlignment()).isEqualTo(1);
        assertThat(FlashGeometry.uniform(4096, 1, 32).writeAlignment()).isEqualTo(32);
    }

    @Test
    void plusAppendsARegion() {
        FlashGeometry g = FlashGeometry.uniform(4096, 2, 4).plus(new SectorRegion(65536, 1));
        assertThat(g.regions()).hasSize(2);
        assertThat(g.size()).isEqualTo(2 * 4096 + 65536);
    }
}
