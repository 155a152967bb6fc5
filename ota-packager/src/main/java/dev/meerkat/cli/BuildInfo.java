package dev.meerkat.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** What the build recorded about itself (a filtered resource, so tests and the jar agree). */
final class BuildInfo {
    private BuildInfo() {}

    /**
     * "0.1.0-SNAPSHOT (built 2026-12-01T03:40:00Z)", or "development build" when the resource is
     * missing.
     */
    static String version() {
        Properties p = load();
        return p == null
                ? "development build"
                : p.getProperty("version") + " (built " + p.getProperty("built") + ")";
    }

    /** "0.1.0-SNAPSHOT", or "0.0.0" when the resource is missing. */
    static String number() {
        Properties p = load();
        return p == null ? "0.0.0" : p.getProperty("version");
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in =
                BuildInfo.class.getResourceAsStream("/dev/meerkat/cli/build.properties")) {
            if (in == null) return null;
            p.load(in);
            return p;
        } catch (IOException e) {
            return null;
        }
    }
}
