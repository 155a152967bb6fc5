package dev.meerkat.cli.remote;

import picocli.CommandLine.Option;

/** The {@code --url} option every service command takes. */
public final class ServiceOptions {
    @Option(
            names = "--url",
            paramLabel = "URL",
            description =
                    "Signing service URL (default: $MEERKAT_URL or "
                            + RemoteClient.DEFAULT_URL
                            + ").")
    String url;

    RemoteClient client() {
        return RemoteClient.fromEnvironment(url);
    }
}
