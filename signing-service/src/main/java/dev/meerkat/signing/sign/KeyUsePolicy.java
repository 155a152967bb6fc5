package dev.meerkat.signing.sign;

import dev.meerkat.signing.keys.KeyPurpose;
import dev.meerkat.signing.keys.KeyRecord;
import dev.meerkat.signing.refusal.Refusal;
import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.security.Roles;
import java.util.Map;
import java.util.Set;

/**
 * Which roles may sign with a key of each purpose through the signing endpoints: a table, not a
 * chain of ifs.
 */
public final class KeyUsePolicy {
    private static final Map<String, Set<String>> SIGNERS =
            Map.of(
                    KeyPurpose.FIRMWARE_SIGNING, Set.of(Roles.RELEASE_ENGINEER, Roles.CI_PIPELINE),
                    KeyPurpose.CERTIFICATE_AUTHORITY, Set.of(Roles.FACTORY_STATION));

    private KeyUsePolicy() {}

    /**
     * Checks that the caller's roles may use {@code k} here; device PKI keys never sign through
     * these endpoints.
     */
    public static void requireMayUse(Caller caller, KeyRecord k) {
        if (KeyPurpose.DEVICE_PKI.equals(k.purpose())) {
            throw Refusal.conflict(
                    "Key reserved for the device PKI",
                    "key '" + k.id() + "' signs only through /api/v1/pki");
        }
        if (KeyPurpose.reserved(k.purpose())) {
            throw Refusal.conflict(
                    "Key reserved",
                    "key '" + k.id() + "' is the service's own " + k.purpose() + " key");
        }
        if (SIGNERS.getOrDefault(k.purpose(), Set.of()).stream().noneMatch(caller::hasRole)) {
            throw Refusal.forbidden(
                    "your roles may not sign with " + k.purpose() + " key '" + k.id() + "'");
        }
    }
}
