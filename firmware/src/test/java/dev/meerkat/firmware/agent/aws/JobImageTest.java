package dev.meerkat.firmware.agent.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cloud.aws.ota.AfrOtaDocument;
import dev.meerkat.cloud.aws.ota.AfrOtaFile;
import dev.meerkat.firmware.json.Json;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobImageTest {

    private static final byte[] DER = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
    private static final String SIG = Base64.getEncoder().encodeToString(DER);

    private static JsonNode doc(List<String> protocols, AfrOtaFile... files) {
        return new AfrOtaDocument(protocols, null, List.of(files)).toJobDocument();
    }

    @Test
    void picksTheDevicesFileAmongSeveral() {
        JsonNode d =
                doc(
                        List.of("HTTP"),
                        AfrOtaFile.http("/radio.bin", 10, "https://x/radio", SIG),
                        AfrOtaFile.http("/fw.bin", 4096, "https://x/fw", SIG));
        JobImage image = JobImage.fromDocument(d, "/fw.bin", 65536);
        assertThat(image.url()).isEqualTo("https://x/fw");
        assertThat(image.size()).isEqualTo(4096);
        assertThat(image.signature()).isEqualTo(DER);
    }

    @Test
    void refusesWhatTheDeviceCannotInstall() {
        assertThatThrownBy(() -> JobImage.fromDocument(Json.parse("{\"other\":{}}"), "/fw.bin", 1))
                .hasMessageContaining("no afr_ota");
        assertThatThrownBy(
                        () ->
                                JobImage.fromDocument(
                                        doc(
                                                List.of("HTTP"),
                                                AfrOtaFile.http("/x.bin", 1, "https://x", SIG)),
                                        "/fw.bin",
                                        10))
                .hasMessage("afr_ota has no file for filepath /fw.bin");
        assertThatThrownBy(
                        () ->
                                JobImage.fromDocument(
                                        doc(
                                                List.of("HTTP"),
                                                AfrOtaFile.http("/fw.bin", 11, "https://x", SIG)),
                                        "/fw.bin",
                                        10))
                .hasMessageContaining("does not fit the update slot (10 bytes)");
        assertThatThrownBy(
                        () ->
                                JobImage.fromDocument(
                                        new AfrOtaDocument(
                                                        List.of("MQTT"),
                                                        "stream-1",
                                                        List.of(
                                                                AfrOtaFile.streamed(
                                                                        "/fw.bin", 5, 1, SIG)))
                                                .toJobDocument(),
                                        "/fw.bin",
                                        10))
                .hasMessageContaining("not offered over HTTP");
        assertThatThrownBy(
                        () ->
                                JobImage.fromDocument(
                                        doc(
                                                List.of("HTTP"),
                                                AfrOtaFile.http("/fw.bin", 5, "https://x", null)),
                                        "/fw.bin",
                                        10))
                .hasMessage("afr_ota file has no sig-sha256-ecdsa");
        assertThatThrownBy(
                        () ->
                                JobImage.fromDocument(
                                        doc(
                                                List.of("HTTP"),
                                                AfrOtaFile.http("/fw.bin", 5, "https://x", "%%%")),
                                        "/fw.bin",
                                        10))
                .hasMessage("afr_ota sig-sha256-ecdsa is not base64");
        assertThatThrownBy(
                        () ->
                                JobImage.fromDocument(
                                        doc(
                                                List.of("HTTP"),
                                                AfrOtaFile.http("/fw.bin", 5, "https://x", "AAAA")),
                                        "/fw.bin",
                                        10))
                .hasMessage("afr_ota sig-sha256-ecdsa is not a DER signature");
        assertThatThrownBy(
                        () ->
                                JobImage.fromDocument(
                                        doc(
                                                List.of("HTTP"),
                                                AfrOtaFile.http(
                                                        "/fw.bin",
                                                        5,
                                                        "${aws:iot:s3-presigned-url:https://b/k}",
                                                        SIG)),
                                        "/fw.bin",
                                        10))
                .hasMessageContaining("not an http(s) URL");
    }
}
