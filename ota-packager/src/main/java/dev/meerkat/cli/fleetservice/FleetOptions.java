package dev.meerkat.cli.fleetservice;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * Options every fleet-service command takes: where the service is, and JSON output for pipelines.
 */
public final class FleetOptions {
    @Option(
            names = "--url",
            paramLabel = "URL",
            description =
                    "Fleet service URL (default: $MEERKAT_FLEET_URL or "
                            + FleetClient.DEFAULT_URL
                            + ").")
    String url;

    @Option(names = "--json", description = "Print the service's JSON answer instead of a table.")
    boolean json;

    FleetClient client() {
        return FleetClient.fromEnvironment(url);
    }

    /** Prints {@code node} as JSON when asked to; returns true if it did. */
    boolean printJson(PrintWriter out, JsonNode node) {
        if (!json) return false;
        try {
            out.println(FleetClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (Exception e) {
            out.println(node);
        }
        out.flush();
        return true;
    }
}
