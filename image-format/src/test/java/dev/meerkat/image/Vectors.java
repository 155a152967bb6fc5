package dev.meerkat.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the reference vectors made by imgtool and mgos_fw_meta.py; fails loudly when they are
 * absent.
 */
public final class Vectors {
    private Vectors() {}

    public static Path dir() {
        String prop = System.getProperty("meerkat.vectors");
        Path p = prop != null ? Path.of(prop) : Path.of("../../shared/vectors");
        if (!Files.isDirectory(p.resolve("mcuboot"))) {
            throw new IllegalStateException(
                    "reference vectors not found at "
                            + p.toAbsolutePath()
                            + ": the shared/ folder must sit beside the repository (../shared/vectors)");
        }
        return p;
    }

    public static Path mcuboot(String name) {
        return dir().resolve("mcuboot").resolve(name);
    }

    public static byte[] bytes(String name) {
        try {
            return Files.readAllBytes(mcuboot(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String text(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }
}
