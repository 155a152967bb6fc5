package dev.meerkat.signing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The embedded defaults: H2 in file mode and the encrypted software key store, in a fresh
 * directory.
 */
public class EmbeddedProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        try {
            Path dir =
                    Files.createTempDirectory(
                            Files.createDirectories(Path.of("target").toAbsolutePath()),
                            "service-h2");
            return Map.of(
                    "meerkat.data-dir",
                    dir.toString(),
                    "meerkat.keystore.password",
                    "embedded-test-password",
                    "meerkat.keys.default-backend",
                    "software",
                    "mp.jwt.verify.publickey.location",
                    TestTokens.publicKeyFile().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
