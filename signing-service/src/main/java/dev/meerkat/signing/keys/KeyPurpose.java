package dev.meerkat.signing.keys;

import java.util.Set;

/** What a key is for, as stored with it; decides who may use it and through which endpoint. */
public final class KeyPurpose {
    /** Signs firmware images, fw.zip manifests and digests (release engineers, CI). */
    public static final String FIRMWARE_SIGNING = "firmware-signing";

    /** Holds an encryption key pair; never signs. */
    public static final String ENCRYPTION = "encryption";

    /** A general certificate-authority key that factory stations may use for digests. */
    public static final String CERTIFICATE_AUTHORITY = "certificate-authority";

    /**
     * A CA key of the device PKI: signs only certificates, CRLs and OCSP answers made under its
     * policy.
     */
    public static final String DEVICE_PKI = "device-pki";

    /**
     * The service's own key that signs checkpoints of the audit chain head; never used for anything
     * else.
     */
    public static final String AUDIT_CHECKPOINT = "audit-checkpoint";

    /**
     * Purposes an administrator may give a key through the key API; device PKI keys come from the
     * PKI.
     */
    public static final Set<String> ASSIGNABLE =
            Set.of(FIRMWARE_SIGNING, ENCRYPTION, CERTIFICATE_AUTHORITY);

    private KeyPurpose() {}

    public static boolean signs(String purpose) {
        return FIRMWARE_SIGNING.equals(purpose)
                || CERTIFICATE_AUTHORITY.equals(purpose)
                || DEVICE_PKI.equals(purpose)
                || AUDIT_CHECKPOINT.equals(purpose);
    }

    /**
     * Keys the service uses for its own purposes: the signing endpoints refuse them whatever the
     * caller's roles.
     */
    public static boolean reserved(String purpose) {
        return DEVICE_PKI.equals(purpose) || AUDIT_CHECKPOINT.equals(purpose);
    }
}
