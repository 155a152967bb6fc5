package dev.meerkat.architecture;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * One Maven module as the architecture sees it: where its classes are compiled, the package roots
 * it owns, which side it is on and which modules it may use (the arrows of docs/architecture.md).
 */
record Module(
        String name, Side side, List<String> packages, Set<String> mayUse, String classesDir) {

    /** A module whose classes are its main classes. */
    Module(String name, Side side, List<String> packages, Set<String> mayUse) {
        this(name, side, packages, mayUse, "target/classes");
    }

    enum Side {
        /** Plain Java that reads like device code: no Quarkus, CDI, Vert.x, Netty or broker. */
        DEVICE,
        /** Host tools (CLI, rehearsal) and protocol shapes. */
        HOST,
        /** Quarkus applications: resource → use case → repository, domain free of the web layer. */
        SERVICE
    }

    /**
     * The compiled classes of this module below the repository root; fails when they are missing.
     */
    Path classes(Path root) {
        Path dir = root.resolve(name).resolve(classesDir);
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException(
                    dir
                            + " is missing: compile the modules first (mvn verify runs this module last)");
        }
        return dir;
    }

    /** ArchUnit package patterns ("dev.meerkat.image..") for this module's roots. */
    String[] packagePatterns() {
        return packages.stream().map(p -> p + "..").toArray(String[]::new);
    }
}
