package dev.meerkat.cli.cloud;

import com.google.cloud.iot.v1.RegistryName;
import dev.meerkat.cli.io.CliException;

/** Parses {@code --registry projects/P/locations/L/registries/R}. */
final class GcpRegistryName {
    private GcpRegistryName() {}

    static RegistryName parse(String text) {
        if (text == null || !RegistryName.isParsableFrom(text)) {
            throw CliException.usage(
                    "--registry takes projects/PROJECT/locations/REGION/registries/ID, not "
                            + text);
        }
        return RegistryName.parse(text);
    }
}
