package dev.meerkat.fleet.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.fleet.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Google's Node.js client ({@code @google-cloud/iot} 5.2.1, REST fallback, unmodified) drives the
 * device manager; the package is installed from the committed lock file with {@code npm ci}.
 */
@QuarkusTest
@TestProfile(GcpProfile.class)
class GcpNodeClientTest {
    private static final Path SOURCE = Path.of("src", "test", "node", "gcp-iot");
    private static final Path WORK = Path.of("target", "gcp-node");

    @Test
    void googlesNodeClientOverRest() throws Exception {
        install();
        String pem = GcpKeys.publicPem(GcpKeys.ec());
        ProcessBuilder pb = new ProcessBuilder("node", "interop.js").directory(WORK.toFile());
        pb.environment()
                .putAll(
                        Map.of(
                                "MEERKAT_PORT",
                                Integer.toString(RestAssured.port),
                                "MEERKAT_TOKEN",
                                TestTokens.token("node-operator", "operator"),
                                "DEVICE_KEY_PEM",
                                pem));
        pb.redirectError(WORK.resolve("interop.err").toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(WORK.resolve("interop.err"))).isZero();

        JsonNode r =
                new ObjectMapper()
                        .readTree(
                                out.lines()
                                        .filter(l -> l.startsWith("{"))
                                        .reduce((a, b) -> b)
                                        .orElseThrow());
        assertThat(r.path("registry").asText())
                .isEqualTo("projects/node-project/locations/us-central1/registries/node-fleet");
        assertThat(r.path("device").asText()).endsWith("/devices/node-dev-1");
        assertThat(Long.parseLong(r.path("numId").asText())).isPositive();
        assertThat(r.path("keyFormat").asText()).isIn("ES256_PEM", "2");
        assertThat(r.path("configVersion").asText()).isEqualTo("2");
        assertThat(r.path("configData").asText()).isEqualTo("{\"firmware\":\"2.0.0\"}");
        assertThat(r.path("staleRefused").asText()).contains("not the current version (2)");
        assertThat(r.path("versions")).extracting(JsonNode::asText).containsExactly("2", "1");
        assertThat(r.path("states").asInt()).isZero();
        assertThat(r.path("devices")).extracting(JsonNode::asText).containsExactly("node-dev-1");
    }

    /**
     * {@code npm ci} into target/ once; later runs reuse node_modules when the lock file is
     * unchanged.
     */
    private static void install() throws IOException, InterruptedException {
        Files.createDirectories(WORK);
        boolean fresh =
                !Files.exists(WORK.resolve("node_modules"))
                        || Files.mismatch(
                                        SOURCE.resolve("package-lock.json"),
                                        WORK.resolve("package-lock.json"))
                                != -1;
        for (String f : List.of("package.json", "package-lock.json", "interop.js")) {
            Files.copy(SOURCE.resolve(f), WORK.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!fresh) return;
        Process p =
                new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
                        .directory(WORK.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(WORK.resolve("npm.log").toFile())
                        .start();
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).as("npm ci finished").isTrue();
        assertThat(p.exitValue()).as(Files.readString(WORK.resolve("npm.log"))).isZero();
    }
}
