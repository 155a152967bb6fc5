package dev.meerkat.image;

import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What verification established about an image.
 *
 * @param signer the trusted key whose signature verified; empty when no keys were required
 * @param securityCounter the protected SEC_CNT value, if present
 * @param end offset just past the TLV area (the slot trailer, if any, follows)
 */
public record VerifiedImage(
        ImageHeader header,
        byte[] hash,
        Optional<VerificationKey> signer,
        OptionalLong securityCounter,
        List<Dependency> dependencies,
        boolean encrypted,
        long end) {

    public VerifiedImage {
        hash = hash.clone();
        dependencies = List.copyOf(dependencies);
    }

    @Override
    public byte[] hash() {
        return hash.clone();
    }

    public String hashHex() {
        return HexFormat.of().formatHex(hash);
    }

    public ImageVersion version() {
        return header.version();
    }
}
