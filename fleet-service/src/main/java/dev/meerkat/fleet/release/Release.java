package dev.meerkat.fleet.release;

import java.time.Instant;

/**
 * A verified, stored firmware release.
 *
 * @param format {@code mcuboot} (signed image) or {@code fwzip}
 * @param imageHash the image's own hash (MCUboot SHA-256 TLV; fw.zip: the artifact's SHA-256)
 * @param signerKeyHash SHA-256 of the trusted key that signed it
 * @param securityCounter protected security counter, null when the image has none
 * @param sha1 SHA-1 and MD5 of the artifact: hawkBit DDI clients expect them beside SHA-256
 */
public record Release(
        String id,
        String format,
        String version,
        Long securityCounter,
        String platform,
        long size,
        String sha256,
        String sha1,
        String md5,
        String imageHash,
        String signerKeyHash,
        String objectKey,
        Instant createdAt,
        String createdBy) {}
