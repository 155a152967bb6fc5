package dev.meerkat.hal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class NorFlashTest {

    private static final FlashGeometry GEOMETRY =
            new FlashGeometry(
                    List.of(new SectorRegion(4096, 4), new SectorRegion(131072, 1)),
                    4,
                    OverwritePolicy.CLEAR_BITS_ONLY);

    private final PowerSupply power = new PowerSupply(42);
    private final NorFlash flash = NorFlash.inMemory(GEOMETRY, power);

    @Test
    void freshPartIsErased() {
        byte[] all = flash.read(0, (int) GEOMETRY.size());
        for (byte b : all) {
            assertThat(b).isEqualTo((byte) 0xFF);
        }
    }

    @Test
    void writeThenReadBack() {
        flash.write(8, new byte[] {1, 2, 3, 4});
        assertThat(flash.read(8, 4)).containsExactly(1, 2, 3, 4);
        assertThat(flash.read(12, 4)).containsExactly(-1, -1, -1, -1);
    }

    @Test
    void writeMayClearBitsButNotSetThem() {
        flash.write(0, new byte[] {(byte) 0xF0, 0, 0, 0});
        flash.write(0, new byte[] {(byte) 0x30, 0, 0, 0}); // clears more bits: allowed
        assertThat(flash.read(0, 1)).containsExactly(0x30);
        assertThatThrownBy(() -> flash.write(0, new byte[] {(byte) 0x38, 0, 0, 0}))
                .isInstanceOfSatisfying(
                        FlashException.class,
                        e -> assertThat(e.kind()).isEqualTo(FlashException.Kind.NOT_ERASED));
        assertThat(flash.read(0, 1)).containsExactly(0x30);
    }

    @Test
    void erasedOnlyPolicyForbidsAnySecondWrite() {
        NorFlash strict =
                NorFlash.inMemory(GEOMETRY.withOverwrite(OverwritePolicy.ERASED_ONLY), power);
        strict.write(0, new byte[] {(byte) 0xF0, 1, 2, 3});
        assertThatThrownBy(() -> strict.write(0, new byte[] {0, 0, 0, 0}))
                .isInstanceOfSatisfying(
                        FlashException.class,
                        e -> assertThat(e.kind()).isEqualTo(FlashException.Kind.NOT_ERASED));
        strict.eraseSector(0);
        strict.write(0, new byte[] {0, 0, 0, 0});
    }

    @Test
    void failedWriteChangesNothingAndIsNotCounted() {
        flash.write(0, new byte[] {0, 0, 0, 0});
        long ops = power.operationCount();
        byte[] mixed = {(byte) 0xFF, 0, 0, 0};
        assertThatThrownBy(() -> flash.write(0, mixed)).isInstanceOf(FlashException.class);
        assertThat(power.operationCount()).isEqualTo(ops);
        assertThat(flash.stats().writes()).isEqualTo(1);
    }

    @Test
    void alignmentIsEnforced() {
        assertThatThrownBy(() -> flash.write(2, new byte[4]))
                .isInstanceOfSatisfying(
                        FlashException.class,
                        e -> assertThat(e.kind()).isEqualTo(FlashException.Kind.MISALIGNED));
        assertThatThrownBy(() -> flash.write(0, new byte[3])).isInstanceOf(FlashException.class);
        NorFlash byteWise = NorFlash.inMemory(GEOMETRY.withWriteAlignment(1), power);
        byteWise.write(3, new byte[] {7});
        assertThat(byteWise.read(3, 1)).containsExactly(7);
        NorFlash wide = NorFlash.inMemory(GEOMETRY.withWriteAlignment(32), power);
        assertThatThrownBy(() -> wide.write(16, new byte[32])).isInstanceOf(FlashException.class);
        wide.write(32, new byte[32]);
    }

    @Test
    void outOfRangeIsRejected() {
        assertThatThrownBy(() -> flash.read(GEOMETRY.size() - 2, 4))
                .isInstanceOfSatisfying(
                        FlashException.class,
                        e -> assertThat(e.kind()).isEqualTo(FlashException.Kind.OUT_OF_RANGE));
        assertThatThrownBy(() -> flash.write(-4, new byte[4])).isInstanceOf(FlashException.class);
        assertThatThrownBy(() -> flash.eraseSector(5)).isInstanceOf(FlashException.class);
    }

    @Test
    void eraseRestoresOnlyThatSectorAndCountsWear() {
        flash.write(4096 - 4, new byte[] {1, 1, 1, 1});
        flash.write(4096, new byte[] {2, 2, 2, 2});
        flash.eraseSector(1);
        assertThat(flash.read(4096, 4)).containsExactly(-1, -1, -1, -1);
        assertThat(flash.read(4096 - 4, 4)).containsExactly(1, 1, 1, 1);
        flash.eraseSector(1);
        flash.eraseSector(4);
        assertThat(flash.eraseCount(1)).isEqualTo(2);
        assertThat(flash.eraseCount(4)).isEqualTo(1);
        assertThat(flash.eraseCount(0)).isZero();
        assertThat(flash.eraseCounts()).containsExactly(0, 2, 0, 0, 1);
    }

    @Test
    void eraseRangeNeedsSectorBoundaries() {
        flash.eraseRange(4096, 3 * 4096 + 131072);
        assertThat(flash.stats().erases()).isEqualTo(4);
        assertThatThrownBy(() -> flash.eraseRange(4096, 100))
                .isInstanceOfSatisfying(
                        FlashException.class,
                        e -> assertThat(e.kind()).isEqualTo(FlashException.Kind.MISALIGNED));
        assertThatThrownBy(() -> flash.eraseRange(0, GEOMETRY.size() + 4096))
                .isInstanceOf(FlashException.class);
    }

    @Test
    void statsCountOperationsAndBytes() {
        flash.write(0, new byte[8]);
        flash.write(8, new byte[4]);
        flash.read(0, 16);
        flash.eraseSector(0);
        FlashStats s = flash.stats();
        assertThat(s).isEqualTo(new FlashStats(1, 16, 2, 12, 1));
        assertThat(s.mutations()).isEqualTo(3);
        assertThat(s.minus(new FlashStats(1, 16, 1, 8, 0)))
                .isEqualTo(new FlashStats(0, 0, 1, 4, 1));
        assertThat(s.plus(FlashStats.ZERO)).isEqualTo(s);
    }

    @Test
    void tornWriteAppliesAPrefixAndThenEverythingFails() {
        byte[] data = new byte[64];
        Arrays.fill(data, (byte) 0x11);
        power.cutAfter(1);
        flash.write(0, new byte[] {0, 0, 0, 0}); // completes
        assertThatThrownBy(() -> flash.write(64, data)).isInstanceOf(PowerLossException.class);
        assertThat(power.isDown()).isTrue();
        assertThatThrownBy(() -> flash.read(0, 4)).isInstanceOf(PowerLossException.class);
        assertThatThrownBy(() -> flash.eraseSector(0)).isInstanceOf(PowerLossException.class);
        assertThatThrownBy(() -> flash.write(256, new byte[4]))
                .isInstanceOf(PowerLossException.class);
        power.restore();
        byte[] after = flash.read(64, 64);
        int prefix = 0;
        while (prefix < 64 && after[prefix] == 0x11) {
            prefix++;
        }
        for (int i = prefix; i < 64; i++) {
            assertThat(after[i]).as("byte %d after the torn prefix", i).isEqualTo((byte) 0xFF);
        }
        assertThat(flash.read(0, 4)).containsExactly(0, 0, 0, 0);
        assertThat(flash.read(256, 4)).containsExactly(-1, -1, -1, -1);
    }

    @Test
    void tornWritePrefixesVaryWithTheSeed() {
        java.util.Set<Integer> prefixes = new java.util.HashSet<>();
        for (int seed = 0; seed < 40; seed++) {
            PowerSupply p = new PowerSupply(seed);
            NorFlash f = NorFlash.inMemory(GEOMETRY.withWriteAlignment(1), p);
            p.cutAfter(0);
            byte[] zeros = new byte[16];
            assertThatThrownBy(() -> f.write(0, zeros)).isInstanceOf(PowerLossException.class);
            p.restore();
            byte[] back = f.read(0, 16);
            int n = 0;
            while (n < 16 && back[n] == 0) {
                n++;
            }
            prefixes.add(n);
        }
        assertThat(prefixes.size()).isGreaterThan(5);
    }

    @Test
    void tornEraseLeavesTheSectorUndefinedButOthersIntact() {
        flash.write(0, filled(4096, (byte) 0x00));
        flash.write(4096, filled(4096, (byte) 0x5A));
        power.cutAfter(0);
        assertThatThrownBy(() -> flash.eraseSector(0)).isInstanceOf(PowerLossException.class);
        power.restore();
        assertThat(flash.eraseCount(0)).isEqualTo(1);
        assertThat(flash.read(4096, 4096)).isEqualTo(filled(4096, (byte) 0x5A));
        // a completed erase afterwards brings it back to a clean state
        flash.eraseSector(0);
        assertThat(flash.read(0, 4096)).isEqualTo(filled(4096, (byte) 0xFF));
    }

    @Test
    void tornErasesProduceSeveralDifferentOutcomes() {
        java.util.Set<String> kinds = new java.util.HashSet<>();
        for (int seed = 0; seed < 30; seed++) {
            PowerSupply p = new PowerSupply(seed);
            NorFlash f = NorFlash.inMemory(GEOMETRY, p);
            f.write(0, filled(4096, (byte) 0x00));
            p.cutAfter(0);
            assertThatThrownBy(() -> f.eraseSector(0)).isInstanceOf(PowerLossException.class);
            p.restore();
            byte[] b = f.read(0, 4096);
            boolean allOld = Arrays.equals(b, filled(4096, (byte) 0));
            boolean allErased = Arrays.equals(b, filled(4096, (byte) 0xFF));
            kinds.add(allOld ? "old" : allErased ? "erased" : "mixed");
        }
        assertThat(kinds).contains("old", "mixed");
    }

    @Test
    void cutIsArmedRelativeToNowAndCanBeDisarmed() {
        flash.write(0, new byte[4]);
        power.cutAfter(2);
        assertThat(power.armed()).isTrue();
        flash.write(4, new byte[4]);
        flash.write(8, new byte[4]);
        power.disarm();
        flash.write(12, new byte[4]);
        assertThat(power.isDown()).isFalse();
        assertThat(power.operationCount()).isEqualTo(4);
        assertThatThrownBy(() -> power.cutAfter(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aResetDoesNotDisarmAPendingCut() {
        power.cutAfter(1);
        power.restore();
        flash.write(0, new byte[4]);
        assertThatThrownBy(() -> flash.write(4, new byte[4]))
                .isInstanceOf(PowerLossException.class);
        power.restore();
        assertThat(power.armed()).isFalse();
        flash.write(8, new byte[4]);
    }

    @Test
    void snapshotIsACopy() {
        byte[] s = flash.snapshot();
        s[0] = 0;
        assertThat(flash.read(0, 1)).containsExactly(-1);
        assertThat(flash.isFileBacked()).isFalse();
    }

    static byte[] filled(int n, byte v) {
        byte[] b = new byte[n];
        Arrays.fill(b, v);
        return b;
    }
}
