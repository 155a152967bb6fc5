package dev.meerkat.cli.cloud;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code meerkat cloud}: deliver updates through cloud IoT services. */
@Command(
        name = "cloud",
        mixinStandardHelpOptions = true,
        description = "Deliver updates through cloud IoT services (see docs/aws.md, docs/gcp.md).",
        subcommands = {AwsCommand.class, GcpCommand.class})
public final class CloudCommand implements Runnable {

    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
