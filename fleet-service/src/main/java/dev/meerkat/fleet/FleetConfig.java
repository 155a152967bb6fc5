package dev.meerkat.fleet;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The fleet service's own settings ({@code meerkat.fleet.*}). */
@ConfigMapping(prefix = "meerkat.fleet")
public interface FleetConfig {

    Path dataDir();

    /** A PEM file or a directory of PEM files: the keys release images must be signed with. */
    Path releaseKeys();

    Upload upload();

    Storage storage();

    Engine engine();

    interface Upload {
        long maxBytes();
    }

    interface Storage {
        /** {@code directory} (embedded default) or {@code s3}. */
        String kind();

        Path directory();

        Optional<String> endpoint();

        String bucket();

        String region();

        Optional<String> accessKey();

        Optional<String> secretKey();

        Duration presignTtl();
    }

    interface Engine {
        Duration tick();

        @WithDefault("true")
        boolean enabled();
    }
}
