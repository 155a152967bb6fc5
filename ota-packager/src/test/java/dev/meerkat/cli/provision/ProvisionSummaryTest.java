package dev.meerkat.cli.provision;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.cli.Cli;
import dev.meerkat.cli.io.JsonOutput;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProvisionSummaryTest {

    private static Provisioner.Outcome outcome(String serial, boolean changed) {
        return new Provisioner.Outcome(
                serial,
                "4f2a",
                "ab".repeat(32),
                "-----BEGIN CERTIFICATE-----",
                List.of(),
                changed,
                List.of(
                        new Provisioner.Step("config", "done", 1500),
                        new Provisioner.Step("key", "done", 2500)),
                12_345,
                40,
                17);
    }

    @Test
    void oneJsonDocumentWithEveryChipAndTheCounts() throws Exception {
        ProvisionSummary s = new ProvisionSummary(3, "station.jsonl");
        String line = s.provisioned("emulator:a.json", outcome("0123EE", true), true);
        s.provisioned("emulator:b.json", outcome("0124EE", false), false);
        s.failed("kit:tcp:127.0.0.1:1", "cannot open chip kit:tcp:127.0.0.1:1: refused");
        assertThat(line)
                .isEqualTo(
                        "0123EE provisioned: certificate 4f2a sha256 "
                                + "ab".repeat(32)
                                + " (2 steps, 12.3 ms, chip 40 ms)");
        assertThat(s.status()).isEqualTo("3 of 3 chips done, 1 failed");

        StringWriter out = new StringWriter();
        JsonOutput.print(new PrintWriter(out), s.toJson());
        assertThat(out.toString().lines()).hasSize(1);
        JsonNode j = new ObjectMapper().readTree(out.toString());
        assertThat(j.get("provisioned").asInt()).isEqualTo(1);
        assertThat(j.get("alreadyProvisioned").asInt()).isEqualTo(1);
        assertThat(j.get("failed").asInt()).isEqualTo(1);
        assertThat(j.get("log").asText()).isEqualTo("station.jsonl");
        JsonNode chips = j.get("chips");
        assertThat(chips).hasSize(3);
        assertThat(chips.get(0).get("serial").asText()).isEqualTo("0123EE");
        assertThat(chips.get(0).get("state").asText()).isEqualTo("provisioned");
        assertThat(chips.get(0).get("steps").asInt()).isEqualTo(2);
        assertThat(chips.get(0).get("fingerprint").asText()).isEqualTo("ab".repeat(32));
        assertThat(chips.get(1).get("state").asText()).isEqualTo("already-provisioned");
        assertThat(chips.get(2).get("state").asText()).isEqualTo("failed");
        assertThat(chips.get(2).get("error").asText()).contains("refused");
    }

    @Test
    void provisionOffersJson() {
        Cli.Run r = Cli.run("provision", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("--json");
    }
}
