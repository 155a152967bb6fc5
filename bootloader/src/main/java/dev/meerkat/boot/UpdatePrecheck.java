package dev.meerkat.boot;

import dev.meerkat.image.Dependency;
import dev.meerkat.image.ImageFormatException;
import dev.meerkat.image.ImageHeader;
import dev.meerkat.image.ImageVersion;
import dev.meerkat.image.ParsedImage;
import dev.meerkat.image.TlvEntry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * "Is this image acceptable here", without the hash and signature: the one home of the security
 * counter, dependency, downgrade and platform rules. The header is checked as soon as it arrives,
 * the protected TLVs as soon as the hashed part has arrived (before the download completes), and
 * both again at install; {@link ImageValidator} applies the counter and dependency rules at every
 * boot.
 *
 * @param securityCounter the device's security counter
 * @param runningVersion version of the running application, for downgrades and for dependencies on
 *     the application's own image number; empty when the committed image itself is being validated
 * @param imageId MCUboot image number of the application
 * @param components versions of the device's other components, by image number
 * @param rules the firmware's own rules (platform, downgrade)
 */
public record UpdatePrecheck(
        long securityCounter,
        Optional<ImageVersion> runningVersion,
        int imageId,
        Map<Integer, ImageVersion> components,
        UpdateRules rules) {

    public UpdatePrecheck {
        components = Map.copyOf(components);
    }

    /**
     * The header's sizes against the slot and the download, and its version against the running
     * one.
     */
    public Optional<Validation.Invalid> header(ImageHeader h, long slotSize, long length) {
        if (h.hashedLength() > slotSize || (length > 0 && h.hashedLength() > length)) {
            return invalid(
                    RollbackReason.IMAGE_TOO_LARGE,
                    "image header claims "
                            + h.hashedLength()
                            + " bytes; download is "
                            + length
                            + ", slot "
                            + slotSize);
        }
        if (!rules.allowDowngrade()
                && runningVersion.isPresent()
                && h.version().compareTo(runningVersion.get()) < 0) {
            return invalid(
                    RollbackReason.IMAGE_DOWNGRADE,
                    "downgrade from " + runningVersion.get() + " to " + h.version() + " refused");
        }
        return Optional.empty();
    }

    /** Platform, security counter and dependencies, from the protected TLVs. */
    public Optional<Validation.Invalid> protectedTlvs(ParsedImage image) {
        try {
            Optional<Validation.Invalid> platform = platform(image);
            if (platform.isPresent()) {
                return platform;
            }
            return counterAndDependencies(image.securityCounter().orElse(0), image.dependencies());
        } catch (ImageFormatException e) {
            return invalid(RollbackReason.forProblem(e.problem()), e.getMessage());
        }
    }

    /** The bootloader's own rules: counter not below the device's, dependencies met. */
    Optional<Validation.Invalid> counterAndDependencies(long counter, List<Dependency> deps) {
        if (counter < securityCounter) {
            return invalid(
                    RollbackReason.IMAGE_DOWNGRADE,
                    "security counter " + counter + " is below the device's " + securityCounter);
        }
        for (Dependency d : deps) {
            Optional<ImageVersion> have;
            if (d.imageId() == imageId) {
                if (runningVersion.isEmpty()) {
                    continue; // the committed image itself: satisfied when it was installed
                }
                have = runningVersion;
            } else {
                have = Optional.ofNullable(components.get(d.imageId()));
            }
            if (have.isEmpty()) {
                return invalid(
                        RollbackReason.IMAGE_DEPENDENCY_UNMET,
                        "needs image "
                                + d.imageId()
                                + " >= "
                                + d.minimumVersion()
                                + ", which is absent");
            }
            if (have.get().compareTo(d.minimumVersion()) < 0) {
                return invalid(
                        RollbackReason.IMAGE_DEPENDENCY_UNMET,
                        "needs image "
                                + d.imageId()
                                + " >= "
                                + d.minimumVersion()
                                + ", device has "
                                + have.get());
            }
        }
        return Optional.empty();
    }

    private Optional<Validation.Invalid> platform(ParsedImage image) {
        if (rules.platform().isEmpty()) {
            return Optional.empty();
        }
        UpdateRules.Platform want = rules.platform().get();
        String platform =
                image.protectedTlvs().stream()
                        .filter(e -> e.type() == want.tlvType())
                        .findFirst()
                        .map(TlvEntry::tlv)
                        .map(t -> new String(t.value(), StandardCharsets.UTF_8))
                        .orElse("(none)");
        if (!platform.equals(want.name())) {
            return invalid(
                    RollbackReason.IMAGE_WRONG_PLATFORM,
                    "image is for platform " + platform + ", this device is " + want.name());
        }
        return Optional.empty();
    }

    private static Optional<Validation.Invalid> invalid(RollbackReason reason, String detail) {
        return Optional.of(new Validation.Invalid(reason, detail));
    }
}
