package dev.meerkat.fleet.device;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.fleet.refusal.Refusal;

/**
 * One line of a factory station's {@code meerkat provision --log} journal: the chip serial, the
 * issued certificate's serial and SHA-256 fingerprint, the station and the template used.
 */
public record ProvisioningRecord(
        String chipSerial, String certSerial, String fingerprint, String station, String template) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Parses one JSON line; {@code lineNo} names the line in the error. */
    public static ProvisioningRecord parse(String line, int lineNo) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw Refusal.badRequest("line " + lineNo + ": not JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject())
            throw Refusal.badRequest("line " + lineNo + ": not a JSON object");
        String serial = n.path("serial").asText("");
        String fp = n.path("fingerprint").asText("");
        if (serial.isEmpty() || fp.isEmpty()) {
            throw Refusal.badRequest(
                    "line " + lineNo + ": a provisioning record needs serial and fingerprint");
        }
        try {
            return new ProvisioningRecord(
                    DeviceIds.name("serial", serial),
                    n.path("certSerial").asText(null),
                    DeviceIds.fingerprint(fp),
                    n.path("station").asText(null),
                    n.path("template").asText(null));
        } catch (Refusal e) {
            throw Refusal.badRequest("line " + lineNo + ": " + e.getMessage());
        }
    }
}
