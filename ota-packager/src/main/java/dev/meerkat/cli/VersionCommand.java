package dev.meerkat.cli;

import dev.meerkat.cli.io.ExitCode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** imgtool's {@code version}: the version number alone on one line, for scripts that compare it. */
@Command(
        name = "version",
        mixinStandardHelpOptions = true,
        description = "Print the version number alone (imgtool version); -V adds the build time.")
final class VersionCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println(BuildInfo.number());
        spec.commandLine().getOut().flush();
        return ExitCode.OK;
    }
}
