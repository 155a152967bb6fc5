package dev.meerkat.cloud.aws.sigv4;

/** Outcome of checking one request's signature. */
public sealed interface Verification {

    /** The request was signed by this key for this service. */
    record Verified(String accessKeyId, String principal, String service) implements Verification {}

    /**
     * Refused, with the AWS error type a client expects in {@code x-amzn-ErrorType} (for instance
     * {@code InvalidSignatureException}) and a one-line reason that reveals no secret.
     */
    record Refused(String errorType, String reason) implements Verification {}
}
