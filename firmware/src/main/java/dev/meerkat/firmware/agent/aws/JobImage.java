package dev.meerkat.firmware.agent.aws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cloud.aws.ota.AfrOtaDocument;
import dev.meerkat.cloud.aws.ota.AfrOtaFile;
import java.util.Base64;
import java.util.Objects;

/**
 * The firmware image an {@code afr_ota} job document asks this device to install, after the checks
 * a device makes before downloading anything: the document is well formed, it names this device's
 * file path, the size fits the update slot and the file is fetched over HTTP(S) with an ECDSA
 * signature attached.
 *
 * @param url where the file is downloaded from
 * @param size the file's length in bytes
 * @param signature DER ECDSA signature over the file's SHA-256 ({@code sig-sha256-ecdsa})
 */
public record JobImage(String url, long size, byte[] signature) {

    public JobImage {
        Objects.requireNonNull(url);
        signature = signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /**
     * Picks and checks this device's file of a job document.
     *
     * @param filePath the {@code filepath} this device installs its firmware from
     * @param capacity the largest image the update slot holds
     * @throws IllegalArgumentException naming the first defect
     */
    public static JobImage fromDocument(JsonNode jobDocument, String filePath, long capacity) {
        AfrOtaDocument doc = AfrOtaDocument.parse(jobDocument);
        AfrOtaFile file =
                doc.files().stream()
                        .filter(f -> filePath.equals(f.filepath()))
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "afr_ota has no file for filepath " + filePath));
        if (file.filesize() == 0 || file.filesize() > capacity) {
            throw new IllegalArgumentException(
                    "afr_ota file size "
                            + file.filesize()
                            + " does not fit the update slot ("
                            + capacity
                            + " bytes)");
        }
        String url = file.updateDataUrl();
        if (url == null || !doc.protocols().contains("HTTP")) {
            throw new IllegalArgumentException(
                    "afr_ota file is not offered over HTTP (MQTT streams are not supported)");
        }
        if (!url.startsWith("https://") && !url.startsWith("http://")) {
            throw new IllegalArgumentException("afr_ota update_data_url is not an http(s) URL");
        }
        String sig = file.sigSha256Ecdsa();
        if (sig == null || sig.isEmpty()) {
            throw new IllegalArgumentException("afr_ota file has no sig-sha256-ecdsa");
        }
        byte[] der;
        try {
            der = Base64.getDecoder().decode(sig);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("afr_ota sig-sha256-ecdsa is not base64");
        }
        if (der.length < 8 || der.length > 139 || der[0] != 0x30) {
            throw new IllegalArgumentException("afr_ota sig-sha256-ecdsa is not a DER signature");
        }
        return new JobImage(url, file.filesize(), der);
    }
}
