package dev.meerkat.cloud.aws.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.cloud.aws.jobs.JobsJson;
import java.util.List;
import org.junit.jupiter.api.Test;

class AfrOtaDocumentTest {

    @Test
    void readsTheFieldsTheFreeRtosAgentReads() throws Exception {
        String json =
                "{\"afr_ota\":{\"protocols\":[\"MQTT\",\"HTTP\"],\"streamname\":\"AFR_OTA-1\",\"files\":[{"
                        + "\"filepath\":\"/fw\",\"filesize\":123456,\"fileid\":0,\"certfile\":\"codesign.crt\","
                        + "\"update_data_url\":\"https://b.s3.amazonaws.com/k?X-Amz-Signature=1\",\"auth_scheme\":"
                        + "\"aws.s3.presigned\",\"sig-sha256-ecdsa\":\"MEQCIA==\",\"attr\":0,\"fileType\":0,\"future\":1}]}}";
        AfrOtaDocument doc = AfrOtaDocument.parse(JobsJson.mapper().readTree(json));
        AfrOtaFile f = doc.files().get(0);
        assertThat(f.filesize()).isEqualTo(123456);
        assertThat(f.sigSha256Ecdsa()).isEqualTo("MEQCIA==");
        assertThat(f.updateDataUrl()).startsWith("https://");
        assertThat(doc.streamname()).isEqualTo("AFR_OTA-1");
        // written back, the known fields come out with AWS's names
        assertThat(AfrOtaDocument.parse(doc.toJobDocument())).isEqualTo(doc);
        assertThat(doc.toJobDocumentString())
                .contains("\"sig-sha256-ecdsa\":\"MEQCIA==\"", "\"update_data_url\"");
    }

    @Test
    void refusesDocumentsAnAgentCouldNotAct() {
        AfrOtaFile ok = AfrOtaFile.http("/fw", 10, "https://x/y", "c2ln");
        assertThatThrownBy(() -> AfrOtaDocument.parse(JobsJson.mapper().createObjectNode()))
                .hasMessageContaining("no afr_ota");
        assertThatThrownBy(
                        () ->
                                AfrOtaDocument.parse(
                                        new AfrOtaDocument(List.of("FTP"), null, List.of(ok))
                                                .toJobDocument()))
                .hasMessageContaining("protocols");
        assertThatThrownBy(
                        () ->
                                AfrOtaDocument.parse(
                                        new AfrOtaDocument(List.of("HTTP"), null, List.of())
                                                .toJobDocument()))
                .hasMessageContaining("files");
        assertThatThrownBy(
                        () ->
                                AfrOtaDocument.parse(
                                        new AfrOtaDocument(
                                                        List.of("HTTP"),
                                                        null,
                                                        List.of(
                                                                AfrOtaFile.http(
                                                                        "/fw",
                                                                        1L << 32,
                                                                        "https://x",
                                                                        "s")))
                                                .toJobDocument()))
                .hasMessageContaining("filesize must be a uint32");
        assertThatThrownBy(
                        () ->
                                AfrOtaDocument.parse(
                                        new AfrOtaDocument(
                                                        List.of("MQTT"),
                                                        null,
                                                        List.of(
                                                                AfrOtaFile.streamed(
                                                                        "/fw", 5, 0, "s")))
                                                .toJobDocument()))
                .hasMessageContaining("no delivery route");
    }
}
