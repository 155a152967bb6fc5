package dev.meerkat.cli.pkg;

import dev.meerkat.fwzip.FwZipException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/** {@code meerkat package}: create, inspect, verify and sign Mongoose OS fw.zip bundles. */
@Command(
        name = "package",
        mixinStandardHelpOptions = true,
        description = "Create, inspect, verify and sign Mongoose OS fw.zip firmware bundles.",
        footer = {"%nExit codes: 0 success/valid, 1 invalid bundle, 2 usage error, 3 I/O error."},
        subcommands = {
            CreateCommand.class,
            InspectCommand.class,
            VerifyCommand.class,
            SignCommand.class
        })
public final class PackageCommand implements Runnable {
    static final int OK = 0;
    static final int INVALID = 1;
    static final int USAGE = 2;
    static final int IO = 3;

    @CommandLine.Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Prints one error line naming the command and file; returns the matching exit code. */
    static int fail(CommandSpec spec, Path file, FwZipException e) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(prefix(spec) + (file == null ? "" : file + ": ") + e.getMessage());
        err.flush();
        return switch (e.problem()) {
            case IO -> IO;
            case BAD_KEY, INVALID_ARGUMENT -> USAGE;
            default -> INVALID;
        };
    }

    static int usage(CommandSpec spec, String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(prefix(spec) + message);
        err.println("Try '" + spec.qualifiedName() + " --help' for usage.");
        err.flush();
        return USAGE;
    }

    static String prefix(CommandSpec spec) {
        return spec.qualifiedName() + ": ";
    }
}
