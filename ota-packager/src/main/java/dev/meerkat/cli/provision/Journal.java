package dev.meerkat.cli.provision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The station's record: one JSON line per provisioned chip (serial, the --chip it was given,
 * certificate serial and SHA-256 fingerprint, steps with their durations, totals). A chip already
 * recorded with the same certificate is not recorded twice.
 */
public final class Journal {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;

    public Journal(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /**
     * Appends the outcome unless this chip and certificate are recorded already; true if appended.
     */
    public synchronized boolean append(
            Provisioner.Outcome o, String station, String template, String chip) {
        try {
            for (JsonNode r : read()) {
                if (o.serial().equals(r.path("serial").asText())
                        && o.fingerprint().equals(r.path("fingerprint").asText())) {
                    return false;
                }
            }
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("at", Instant.now().toString());
            rec.put("station", station);
            rec.put("template", template);
            rec.put("chip", chip); // where the chip sat: the --chip it was given
            rec.put("serial", o.serial());
            rec.put("certSerial", o.certSerial());
            rec.put("fingerprint", o.fingerprint());
            rec.put(
                    "certificatePem",
                    o.certificatePem()); // public; lets `cloud aws register` register it
            List<Map<String, Object>> steps = new ArrayList<>();
            for (Provisioner.Step s : o.steps()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("step", s.name());
                m.put("status", s.status());
                m.put("ms", s.micros() / 1000.0);
                steps.add(m);
            }
            rec.put("steps", steps);
            rec.put("totalMs", o.totalMicros() / 1000.0);
            rec.put("chipCommands", o.commands());
            rec.put("chipExecutionMs", o.chipMillis());
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) Files.createDirectories(dir);
            Files.writeString(
                    file,
                    JSON.writeValueAsString(rec) + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND,
                    StandardOpenOption.SYNC);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot write the provisioning record " + file + ": " + e.getMessage(), e);
        }
    }

    public synchronized List<JsonNode> read() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(file)) return out;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) out.add(JSON.readTree(line));
        }
        return out;
    }
}
