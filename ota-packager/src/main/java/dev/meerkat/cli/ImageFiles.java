package dev.meerkat.cli;

import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.image.ImageSource;
import dev.meerkat.image.IntelHex;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens image files for reading: binaries through a file channel, Intel HEX decoded in memory. */
final class ImageFiles {

    /** An open image; close it to release the file. */
    record Opened(ImageSource source, FileChannel channel) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            if (channel != null) channel.close();
        }
    }

    private ImageFiles() {}

    static Opened open(Path file) throws IOException {
        if (!Files.isRegularFile(file))
            throw new CliException(ExitCode.IO, file + ": no such file");
        if (file.toString().toLowerCase().endsWith(".hex")) {
            try (var r = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
                return new Opened(ImageSource.of(IntelHex.read(r, 0xFF).data()), null);
            } catch (IllegalArgumentException e) {
                throw CliException.invalid(file + ": " + e.getMessage());
            }
        }
        FileChannel ch = ImageSource.open(file);
        return new Opened(ImageSource.of(ch), ch);
    }
}
