package dev.meerkat.hal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBackedFlashTest {

    @TempDir Path dir;

    private final FlashGeometry geometry = FlashGeometry.uniform(4096, 4, 8);

    @Test
    void contentAndWearSurviveReopening() throws IOException {
        Path file = dir.resolve("flash.bin");
        try (NorFlash f = NorFlash.fileBacked(file, geometry, new PowerSupply(1))) {
            assertThat(f.isFileBacked()).isTrue();
            f.eraseSector(2);
            f.eraseSector(2);
            f.write(4096 * 2 + 8, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        }
        assertThat(Files.size(file)).isEqualTo(geometry.size());
        try (NorFlash f = NorFlash.fileBacked(file, geometry, new PowerSupply(1))) {
            assertThat(f.stats()).isEqualTo(FlashStats.ZERO);
            assertThat(f.read(4096 * 2 + 8, 8)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
            assertThat(f.eraseCount(2)).isEqualTo(2);
            // programming rules still apply to persisted content
            assertThatThrownBy(() -> f.write(4096 * 2 + 8, new byte[] {9, 9, 9, 9, 9, 9, 9, 9}))
                    .isInstanceOf(FlashException.class);
        }
    }

    @Test
    void tornOperationsArePersistedAsTheyHappened() throws IOException {
        Path file = dir.resolve("flash.bin");
        byte[] expected;
        try (NorFlash f = NorFlash.fileBacked(file, geometry, new PowerSupply(7))) {
            f.write(0, NorFlashTest.filled(64, (byte) 0));
            f.power().cutAfter(0);
            assertThatThrownBy(() -> f.eraseSector(0)).isInstanceOf(PowerLossException.class);
            expected = f.snapshot();
        }
        try (NorFlash f = NorFlash.fileBacked(file, geometry, new PowerSupply(7))) {
            assertThat(f.snapshot()).isEqualTo(expected);
            assertThat(f.eraseCount(0)).isEqualTo(1);
        }
    }

    @Test
    void reopeningWithAnotherGeometryFails() throws IOException {
        Path file = dir.resolve("flash.bin");
        NorFlash.fileBacked(file, geometry, new PowerSupply(1)).close();
        assertThatThrownBy(
                        () ->
                                NorFlash.fileBacked(
                                        file,
                                        FlashGeometry.uniform(4096, 4, 4),
                                        new PowerSupply(1)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("align=4");
        assertThatThrownBy(
                        () ->
                                NorFlash.fileBacked(
                                        file,
                                        FlashGeometry.uniform(4096, 8, 8),
                                        new PowerSupply(1)))
                .isInstanceOf(IOException.class);
    }

    @Test
    void noTemporaryFilesAreLeftBehind() throws IOException {
        try (NorFlash f =
                NorFlash.fileBacked(dir.resolve("flash.bin"), geometry, new PowerSupply(1))) {
            f.eraseSector(1);
            f.flush();
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("flash.bin", "flash.bin.meta");
        }
    }
}
