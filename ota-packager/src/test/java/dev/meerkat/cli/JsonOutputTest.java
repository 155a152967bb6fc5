package dev.meerkat.cli;

import static dev.meerkat.cli.Cli.run;
import static dev.meerkat.cli.Cli.vector;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --json} prints exactly one JSON object on stdout, nothing else there. */
class JsonOutputTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;

    private static JsonNode onlyDocument(Cli.Run r) throws Exception {
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().strip().lines()).hasSize(1);
        JsonNode doc = JSON.readTree(r.out());
        assertThat(doc.isObject()).isTrue();
        return doc;
    }

    @Test
    void signSummary() throws Exception {
        Path out = tmp.resolve("s.bin");
        JsonNode d =
                onlyDocument(
                        run(
                                "sign",
                                "--json",
                                "-k",
                                vector("key-ed25519.pem"),
                                "-H",
                                "0x200",
                                "--pad-header",
                                "-v",
                                "2.0.0",
                                "-S",
                                "0x20000",
                                vector("app-16k.bin"),
                                out.toString()));
        // The vector's digest: the same image imgtool made from these arguments.
        assertThat(d.get("sha256").asText())
                .isEqualTo("8168ef3e9e945789015a11d2e0a773bf7b62f5f76ec9ef94e7217d1a55d7a23e");
        assertThat(d.get("version").asText()).isEqualTo("2.0.0+0");
        assertThat(d.get("keyType").asText()).isEqualTo("ed25519");
        assertThat(d.get("encrypted").asBoolean()).isFalse();
        assertThat(d.get("output").asText()).isEqualTo(out.toString());
    }

    @Test
    void chipInfo() throws Exception {
        JsonNode d =
                onlyDocument(
                        run(
                                "chip",
                                "info",
                                "--json",
                                "--chip",
                                "emulator:" + tmp.resolve("chip.state")));
        assertThat(d.get("serial").asText()).isNotEmpty();
        assertThat(d.get("slots")).hasSize(16);
        assertThat(d.get("configLocked").isBoolean()).isTrue();
    }
}
