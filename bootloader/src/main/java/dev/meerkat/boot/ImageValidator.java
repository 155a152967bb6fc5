package dev.meerkat.boot;

import dev.meerkat.hal.FlashArea;
import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.RootOfTrust;
import dev.meerkat.image.ImageFormatException;
import dev.meerkat.image.ImageHeader;
import dev.meerkat.image.ImageVerifier;
import dev.meerkat.image.ImageVersion;
import dev.meerkat.image.ParsedImage;
import dev.meerkat.image.TlvEntry;
import dev.meerkat.image.TlvType;
import dev.meerkat.image.VerificationKey;
import dev.meerkat.image.VerifiedImage;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything checked before a jump: header magic and sizes, that the image fits its slot, the
 * non-bootable flag, security counter against the device's counter, dependencies, SHA-256, and a
 * signature by a provisioned key (the image's KEYHASH selects among several keys; a key provisioned
 * only as a KEYHASH is accepted when the image carries that public key in a PUBKEY TLV). Cheap
 * checks on the protected TLVs run first so a bad image is refused before it is hashed; an image is
 * accepted only after the hash and signature have been verified.
 *
 * <p>Nothing is cached between boots: the slots are writable by the application, so a stored
 * "valid" verdict could not be trusted at the next boot.
 */
public final class ImageValidator {

    private final List<VerificationKey> fullKeys;
    private final List<byte[]> keyHashes;
    private final Map<Integer, ImageVersion> components;
    private final int imageId;

    public ImageValidator(RootOfTrust rot, BootConfig config) {
        Objects.requireNonNull(rot);
        List<VerificationKey> keys = new ArrayList<>();
        List<byte[]> hashes = new ArrayList<>();
        for (ProvisionedKey k : rot.keys()) {
            if (k instanceof ProvisionedKey.PublicKeyEntry p) {
                keys.add(VerificationKey.fromPublicBytes(p.encoded()));
            } else {
                hashes.add(k.keyHash());
            }
        }
        this.fullKeys = List.copyOf(keys);
        this.keyHashes = List.copyOf(hashes);
        this.components = config.components();
        this.imageId = config.imageId();
    }

    /**
     * What the caller knows about the image it expects.
     *
     * @param minSecurityCounter the device's current counter
     * @param runningVersion version of the committed application, for dependencies on this
     *     application's own image number; empty when validating the committed image itself
     * @param expectedHash the hash prefix recorded when the image was installed, if any
     */
    public record Context(
            long minSecurityCounter,
            Optional<ImageVersion> runningVersion,
            Optional<byte[]> expectedHash) {}

    /** Validates the image in {@code slot}. Never throws for bad content; power loss propagates. */
    public Validation validate(FlashArea slot, Context ctx) {
        SlotImageSource src = new SlotImageSource(slot);
        byte[] raw = slot.read(0, ImageHeader.SIZE);
        boolean erased = true;
        for (byte b : raw) {
            erased &= b == (byte) 0xFF;
        }
        if (erased) {
            return new Validation.Invalid(RollbackReason.IMAGE_MISSING, slot.name() + " is erased");
        }
        try {
            ImageHeader h = ImageHeader.decode(raw);
            if (h.hashedLength() > slot.size()) {
                return new Validation.Invalid(
                        RollbackReason.IMAGE_TOO_LARGE,
                        "image claims "
                                + h.hashedLength()
                                + " bytes, "
                                + slot.name()
                                + " has "
                                + slot.size());
            }
            if ((h.flags() & ImageHeader.FLAG_NON_BOOTABLE) != 0) {
                return new Validation.Invalid(
                        RollbackReason.IMAGE_NOT_BOOTABLE, "image is flagged non-bootable");
            }
            ParsedImage parsed = ParsedImage.parse(src);
            long counter = parsed.securityCounter().orElse(0);
            Optional<Validation.Invalid> refused =
                    new UpdatePrecheck(
                                    ctx.minSecurityCounter(),
                                    ctx.runningVersion(),
                                    imageId,
                                    components,
                                    UpdateRules.bootloaderOnly())
                            .counterAndDependencies(counter, parsed.dependencies());
            if (refused.isPresent()) {
                return refused.get();
            }
            List<VerificationKey> keys = keysFor(parsed);
            if (keys.isEmpty()) {
                return new Validation.Invalid(
                        RollbackReason.IMAGE_UNKNOWN_KEY, "no provisioned key matches the image");
            }
            VerifiedImage v =
                    ImageVerifier.trusting(keys)
                            .withPlaintextBody()
                            .withMaxSize(slot.size())
                            .verify(src, parsed);
            if (ctx.expectedHash().isPresent()
                    && !prefixMatches(ctx.expectedHash().get(), v.hash())) {
                return new Validation.Invalid(
                        RollbackReason.IMAGE_CHANGED,
                        slot.name()
                                + " holds image "
                                + v.hashHex().substring(0, 12)
                                + ", not the one recorded at install");
            }
            return new Validation.Valid(v, counter);
        } catch (ImageFormatException e) {
            return new Validation.Invalid(RollbackReason.forProblem(e.problem()), e.getMessage());
        } catch (IllegalArgumentException e) {
            // a header field outside its range, a malformed key in a PUBKEY TLV, ...
            return new Validation.Invalid(
                    RollbackReason.IMAGE_BAD_HEADER, String.valueOf(e.getMessage()));
        }
    }

    private static boolean prefixMatches(byte[] prefix, byte[] hash) {
        for (int i = 0; i < prefix.length && i < BootRecord.HASH_PREFIX; i++) {
            if (prefix[i] != hash[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Provisioned full keys, plus the image's own PUBKEY when its hash is a provisioned KEYHASH.
     */
    private List<VerificationKey> keysFor(ParsedImage parsed) {
        if (keyHashes.isEmpty()) {
            return fullKeys;
        }
        List<VerificationKey> keys = new ArrayList<>(fullKeys);
        for (TlvEntry e : parsed.tlvs()) {
            if (e.type() != TlvType.PUBKEY) {
                continue;
            }
            byte[] pub = e.tlv().value();
            byte[] hash = sha256(pub);
            for (byte[] h : keyHashes) {
                if (MessageDigest.isEqual(h, hash)) {
                    try {
                        keys.add(VerificationKey.fromPublicBytes(pub));
                    } catch (IllegalArgumentException unusable) {
                        // an unusable key simply matches nothing
                    }
                }
            }
        }
        return keys;
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
