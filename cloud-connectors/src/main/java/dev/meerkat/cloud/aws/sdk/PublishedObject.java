package dev.meerkat.cloud.aws.sdk;

import java.net.URL;
import java.time.Instant;

/** What {@link S3Publisher} uploaded and where to fetch it from. */
public record PublishedObject(
        String bucket,
        String key,
        long size,
        String sha256Hex,
        String eTag,
        URL objectUrl,
        URL presignedUrl,
        Instant presignedUntil,
        int parts) {

    public String s3Uri() {
        return "s3://" + bucket + "/" + key;
    }
}
