package dev.meerkat.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs the meerkat command line in-process and captures what it prints. */
public final class Cli {

    /** Exit code and output of one run. */
    public record Run(int exitCode, String out, String err) {}

    private Cli() {}

    public static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Meerkat.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(rc, out.toString(), err.toString());
    }

    public static Path vectors() {
        String prop = System.getProperty("meerkat.vectors");
        Path p = prop != null ? Path.of(prop) : Path.of("../../shared/vectors");
        if (!Files.isDirectory(p.resolve("mcuboot"))) {
            throw new IllegalStateException(
                    "reference vectors not found at "
                            + p.toAbsolutePath()
                            + ": the shared/ folder must sit beside the repository");
        }
        return p;
    }

    public static String vector(String name) {
        return vectors().resolve("mcuboot").resolve(name).toString();
    }
}
