package dev.meerkat.boot;

/**
 * A secure element that must approve an image before the bootloader jumps to it: the verified boot
 * path of the ATECC608's SecureBoot command, where the element checks the image digest and
 * signature with a public key only it holds. The bootloader asks only after its own validation
 * passed; a refusal makes the image invalid ({@link RollbackReason#SECURE_ELEMENT_REFUSED}) like a
 * bad signature, so the usual revert and fallback rules apply. An approver that cannot reach its
 * element refuses (fail closed).
 */
@FunctionalInterface
public interface SecureBootApprover {

    /** The element's answer. */
    sealed interface Decision permits Approved, Refused {}

    /** The element checked the digest and signature and approves the boot. */
    record Approved() implements Decision {}

    /** The element refused, or could not be asked. */
    record Refused(String why) implements Decision {}

    /**
     * Asks the element about an image.
     *
     * @param imageHash the SHA-256 the bootloader verified (what an ECDSA P-256 image signature
     *     signs)
     * @param signature the value of the image's ECDSA signature TLV (DER)
     */
    Decision approve(byte[] imageHash, byte[] signature);
}
