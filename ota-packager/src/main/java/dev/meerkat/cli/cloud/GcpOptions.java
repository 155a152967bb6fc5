package dev.meerkat.cli.cloud;

import com.google.api.gax.rpc.ApiException;
import com.google.cloud.iot.v1.DeviceManagerClient;
import dev.meerkat.cli.fleetservice.FleetClient;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cloud.gcp.IotCoreConnection;
import java.io.IOException;
import java.net.URI;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Options every {@code cloud gcp} command shares. */
final class GcpOptions {

    @Option(
            names = "--endpoint",
            paramLabel = "URL",
            description =
                    "Device-manager endpoint, e.g. the fleet service's http://host:8471 (default:"
                            + " Google's cloudiot.googleapis.com).")
    URI endpoint;

    @Option(
            names = "--google-credentials",
            description =
                    "Authenticate to --endpoint with Google application default credentials instead"
                            + " of the fleet token.")
    boolean googleCredentials;

    @Option(
            names = "--fleet",
            paramLabel = "URL",
            description =
                    "Fleet service URL for the fleet side (default: $MEERKAT_FLEET_URL, else"
                            + " --endpoint).")
    String fleet;

    @Option(names = "--json", description = "Print one JSON object on stdout (for pipelines).")
    boolean json;

    DeviceManagerClient deviceManager() {
        if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null)) {
            throw CliException.usage("--endpoint must be an absolute URL, e.g. https://host:port");
        }
        try {
            if (endpoint == null || googleCredentials) {
                return IotCoreConnection.applicationDefault(Optional.ofNullable(endpoint)).open();
            }
            String token = FleetClient.token();
            if (token == null) {
                throw CliException.usage(
                        "no token for "
                                + endpoint
                                + ": set MEERKAT_FLEET_TOKEN_FILE (or pass --google-credentials)");
            }
            return IotCoreConnection.bearer(endpoint, token).open();
        } catch (IOException e) {
            throw new CliException(
                    ExitCode.IO,
                    "no Google credentials (set GOOGLE_APPLICATION_CREDENTIALS or run gcloud auth"
                            + " application-default login): "
                            + e.getMessage());
        }
    }

    /** The fleet service URL: --fleet, else $MEERKAT_FLEET_URL, else --endpoint (null: default). */
    String fleetUrl() {
        if (fleet == null
                && System.getProperty("meerkat.fleet.url") == null
                && System.getenv("MEERKAT_FLEET_URL") == null
                && endpoint != null) {
            return endpoint.toString();
        }
        return fleet;
    }

    FleetClient fleetClient() {
        return FleetClient.fromEnvironment(fleetUrl());
    }

    /** One line for a device-manager refusal: its status code and message. */
    static String describe(ApiException e) {
        return e.getStatusCode().getCode() + ": " + e.getMessage();
    }
}
