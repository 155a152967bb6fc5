package dev.meerkat.fwzip;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared reference vectors; fails loudly when they are missing. */
final class Vectors {
    private Vectors() {}

    static Path mongoose(String file) {
        String dir = System.getProperty("meerkat.vectors");
        if (dir == null || dir.isEmpty()) {
            throw new AssertionError(
                    "system property meerkat.vectors is not set; run the tests with"
                            + " Maven (surefire sets it to ../shared/vectors) or pass -Dmeerkat.vectors=DIR");
        }
        Path p = Path.of(dir, "mongoose", file);
        if (!Files.isRegularFile(p)) {
            throw new AssertionError(
                    "reference vector "
                            + p.toAbsolutePath()
                            + " is missing; the"
                            + " shared vectors folder must sit at ../shared/vectors beside the repository");
        }
        return p;
    }
}
