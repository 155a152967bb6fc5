package dev.meerkat.cli.cloud;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code meerkat cloud gcp}: Cloud IoT Core registries and deployments to them. */
@Command(
        name = "gcp",
        mixinStandardHelpOptions = true,
        description = {
            "Register devices in a Cloud IoT Core registry and deploy firmware to them through "
                    + "fleet-service (or any endpoint speaking the IoT Core v1 device-manager API).",
            "",
            "Google's google-cloud-iot client on its HTTP/JSON transport. With --endpoint the bearer "
                    + "token is the fleet commands' ($MEERKAT_FLEET_TOKEN, $MEERKAT_FLEET_TOKEN_FILE); "
                    + "without it, or with --google-credentials, Google application default credentials. "
                    + "See docs/gcp.md."
        },
        subcommands = {GcpRegisterCommand.class, GcpDeployCommand.class, GcpStatusCommand.class})
public final class GcpCommand implements Runnable {

    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
