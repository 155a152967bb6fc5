package dev.meerkat.boot;

import dev.meerkat.hal.ResetCause;
import dev.meerkat.image.ImageFormatException;

/**
 * Why the bootloader gave up an image (or why an update was refused). The code is what the
 * boot-state record stores, so codes never change meaning.
 */
public enum RollbackReason {
    NONE(0x00, "no rollback"),
    TEST_BOOT_WATCHDOG(0x01, "test boot was reset by the watchdog before commit"),
    TEST_BOOT_FAULT(0x02, "test boot crashed or failed init before commit"),
    TEST_BOOT_POWER_LOSS(0x03, "power was lost during the test boot before commit"),
    TEST_BOOT_REBOOT(0x04, "test boot rebooted without commit"),
    APP_REVERT(0x05, "the firmware asked to revert"),
    UPDATE_CANCELLED(0x06, "the pending update was cancelled"),
    UPDATE_REPLACED(0x07, "the pending update was replaced by a newer one"),
    ACTIVE_IMAGE_INVALID(0x08, "the committed image no longer validates"),
    IMAGE_MISSING(0x10, "no image (erased slot or bad header magic)"),
    IMAGE_TRUNCATED(0x11, "image is truncated"),
    IMAGE_BAD_HEADER(0x12, "image header is malformed"),
    IMAGE_BAD_TLV(0x13, "image TLV area is malformed"),
    IMAGE_HASH_MISMATCH(0x14, "image SHA-256 does not match (tampered or torn)"),
    IMAGE_NOT_SIGNED(0x15, "image is not signed"),
    IMAGE_UNKNOWN_KEY(0x16, "image signed by a key that is not provisioned"),
    IMAGE_BAD_SIGNATURE(0x17, "image signature does not verify"),
    IMAGE_TOO_LARGE(0x18, "image is larger than its slot"),
    IMAGE_DOWNGRADE(0x19, "image security counter is below the device's counter"),
    IMAGE_DEPENDENCY_UNMET(0x1A, "an image dependency is not met"),
    IMAGE_NOT_BOOTABLE(0x1B, "image is flagged non-bootable"),
    IMAGE_UNSUPPORTED(0x1C, "image uses an unsupported feature"),
    IMAGE_CHANGED(0x1D, "slot content differs from the image that was installed"),
    IMAGE_UNREADABLE(0x1E, "image could not be read"),
    IMAGE_WRONG_PLATFORM(0x1F, "image is built for another platform"),
    SECURE_ELEMENT_REFUSED(0x20, "the secure element's SecureBoot did not approve the image");

    private final int code;
    private final String description;

    RollbackReason(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** Stored byte value. */
    public int code() {
        return code;
    }

    /** One-line human description. */
    public String description() {
        return description;
    }

    /** The reason for the stored byte {@code code}; unknown codes read as {@link #NONE}. */
    public static RollbackReason ofCode(int code) {
        for (RollbackReason r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        return NONE;
    }

    /** Reason recorded when a test boot ended with a reset of {@code cause} before commit. */
    public static RollbackReason forTestBootReset(ResetCause cause) {
        return switch (cause) {
            case WATCHDOG -> TEST_BOOT_WATCHDOG;
            case FAULT -> TEST_BOOT_FAULT;
            case SOFTWARE -> TEST_BOOT_REBOOT;
            case POWER_LOSS, POWER_ON -> TEST_BOOT_POWER_LOSS;
        };
    }

    /** Reason recorded for an image rejected by the verifier. */
    public static RollbackReason forProblem(ImageFormatException.Problem problem) {
        return switch (problem) {
            case BAD_MAGIC -> IMAGE_MISSING;
            case TRUNCATED -> IMAGE_TRUNCATED;
            case BAD_HEADER -> IMAGE_BAD_HEADER;
            case BAD_TLV_AREA, BAD_TLV, MISSING_HASH -> IMAGE_BAD_TLV;
            case HASH_MISMATCH -> IMAGE_HASH_MISMATCH;
            case MISSING_SIGNATURE -> IMAGE_NOT_SIGNED;
            case UNKNOWN_KEY -> IMAGE_UNKNOWN_KEY;
            case BAD_SIGNATURE -> IMAGE_BAD_SIGNATURE;
            case TOO_LARGE -> IMAGE_TOO_LARGE;
            case ENCRYPTED, BAD_ENCRYPTION, UNSUPPORTED -> IMAGE_UNSUPPORTED;
            case IO -> IMAGE_UNREADABLE;
        };
    }
}
