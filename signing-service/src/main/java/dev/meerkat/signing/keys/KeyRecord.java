package dev.meerkat.signing.keys;

import dev.meerkat.image.KeyType;
import java.util.List;

/** A key's metadata as stored: never any private material. */
public record KeyRecord(
        String id,
        String type,
        String purpose,
        String backend,
        boolean production,
        int approvalsRequired,
        String state,
        int currentVersion,
        String description,
        String createdBy,
        String createdAt,
        String updatedAt,
        List<Version> versions) {

    /** One generation of the key; rotation adds one. */
    public record Version(
            int version,
            String keyHash,
            String state,
            String createdAt,
            @com.fasterxml.jackson.annotation.JsonIgnore String alias,
            @com.fasterxml.jackson.annotation.JsonIgnore String publicPem) {}

    public KeyType keyType() {
        return KeyType.fromCliName(type);
    }

    public Version version(int v) {
        for (Version x : versions) {
            if (x.version() == v) return x;
        }
        return null;
    }

    public Version current() {
        return version(currentVersion);
    }
}
