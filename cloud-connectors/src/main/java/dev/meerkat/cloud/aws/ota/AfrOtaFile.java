package dev.meerkat.cloud.aws.ota;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One entry of {@code afr_ota.files}. {@code filesize} and {@code fileid} are required; a file is
 * delivered either by HTTP ({@code update_data_url}, usually a presigned S3 URL) or by an MQTT
 * stream. The signature is the base64 of a DER ECDSA P-256 signature over the SHA-256 of the file.
 */
public record AfrOtaFile(
        @JsonProperty("filepath") String filepath,
        @JsonProperty("filesize") Long filesize,
        @JsonProperty("fileid") Long fileid,
        @JsonProperty("certfile") String certfile,
        @JsonProperty("update_data_url") String updateDataUrl,
        @JsonProperty("auth_scheme") String authScheme,
        @JsonProperty("sig-sha256-ecdsa") String sigSha256Ecdsa,
        @JsonProperty("attr") Long attr,
        @JsonProperty("fileType") Long fileType) {

    /** The auth scheme AWS writes for a presigned S3 URL. */
    public static final String PRESIGNED = "aws.s3.presigned";

    /**
     * Prefix of the placeholder AWS IoT replaces with a presigned URL ({@code presignedUrlConfig}).
     */
    public static final String PRESIGN_PLACEHOLDER = "${aws:iot:s3-presigned-url:";

    /** A file fetched over HTTP from a presigned URL. */
    public static AfrOtaFile http(String filepath, long size, String url, String signatureBase64) {
        return new AfrOtaFile(
                filepath, size, 0L, null, url, PRESIGNED, signatureBase64, null, null);
    }

    /** A file fetched block by block from stream {@code fileid} over MQTT. */
    public static AfrOtaFile streamed(
            String filepath, long size, long fileId, String signatureBase64) {
        return new AfrOtaFile(
                filepath, size, fileId, null, null, null, signatureBase64, null, null);
    }
}
