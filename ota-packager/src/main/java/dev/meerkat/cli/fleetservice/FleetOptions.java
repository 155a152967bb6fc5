package dev.meerkat.cli.fleetservice;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cli.io.JsonOutput;
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

    @Option(
            names = "--json",
            description =
                    "Print one JSON object on one line (a list as {\"releases\":[…]},"
                            + " {\"devices\":[…]}, …) instead of text.")
    boolean json;

    FleetClient client() {
        return FleetClient.fromEnvironment(url);
    }

    /** Prints the service's object on one line when {@code --json} is given; returns true if so. */
    boolean printJson(PrintWriter out, JsonNode node) {
        if (!json) return false;
        JsonOutput.print(out, node);
        return true;
    }

    /**
     * Prints a list the service answered as {@code {"<name>":[…]}} when {@code --json} is given;
     * returns true if so.
     */
    boolean printJson(PrintWriter out, String name, JsonNode list) {
        if (!json) return false;
        JsonOutput.print(out, JsonOutput.object(name, list));
        return true;
    }

    /** Prints the service's object indented, for a person. */
    static void printIndented(PrintWriter out, JsonNode node) {
        try {
            out.println(FleetClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (Exception e) {
            out.println(node);
        }
        out.flush();
    }
}
