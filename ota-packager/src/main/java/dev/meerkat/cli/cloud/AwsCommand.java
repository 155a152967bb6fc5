package dev.meerkat.cli.cloud;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code meerkat cloud aws}: S3 and AWS IoT Jobs. */
@Command(
        name = "aws",
        mixinStandardHelpOptions = true,
        description = {
            "Publish to S3 and deliver through AWS IoT Jobs (or an endpoint speaking the same API).",
            "",
            "Credentials come from the AWS default provider chain (environment, ~/.aws profiles, web "
                    + "identity, container or instance role); --profile picks a profile. Region: --region, else "
                    + "AWS_REGION or the profile's. --endpoint points at an S3- or IoT-compatible server. "
                    + "See docs/aws.md."
        },
        subcommands = {
            PublishCommand.class,
            RegisterCommand.class,
            DeployCommand.class,
            StatusCommand.class
        })
public final class AwsCommand implements Runnable {

    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
