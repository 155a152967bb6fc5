package dev.meerkat.fleet;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The embedded defaults: H2 in file mode and releases in a local directory, in a fresh data
 * directory.
 */
public class EmbeddedProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        try {
            Path dir =
                    Files.createTempDirectory(
                            Files.createDirectories(Path.of("target").toAbsolutePath()),
                            "fleet-h2");
            return Map.of(
                    "meerkat.fleet.data-dir", dir.toString(),
                    "meerkat.fleet.release-keys", TestReleases.trustedKeyDir().toString(),
                    "meerkat.fleet.engine.tick", "PT0.1S",
                    "mp.jwt.verify.publickey.location", TestTokens.publicKeyFile().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
