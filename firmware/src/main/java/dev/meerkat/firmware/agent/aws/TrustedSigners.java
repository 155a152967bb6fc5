package dev.meerkat.firmware.agent.aws;

import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.RootOfTrust;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.TlvType;
import dev.meerkat.image.VerificationKey;
import java.util.ArrayList;
import java.util.List;

/**
 * The ECDSA keys of the device's root of trust, which a job's {@code sig-sha256-ecdsa} must verify
 * against: the same keys the bootloader trusts for images, so no second trust store exists.
 */
public final class TrustedSigners {

    private final List<VerificationKey> keys;

    private TrustedSigners(List<VerificationKey> keys) {
        this.keys = List.copyOf(keys);
    }

    /**
     * The full ECDSA P-256/P-384 public keys provisioned in {@code rot} (KEYHASH-only entries
     * cannot verify).
     */
    public static TrustedSigners of(RootOfTrust rot) {
        List<VerificationKey> ecdsa = new ArrayList<>();
        for (ProvisionedKey k : rot.keys()) {
            if (k instanceof ProvisionedKey.PublicKeyEntry p) {
                try {
                    VerificationKey v = VerificationKey.fromPublicBytes(p.encoded());
                    if (v.type() == KeyType.ECDSA_P256 || v.type() == KeyType.ECDSA_P384) {
                        ecdsa.add(v);
                    }
                } catch (IllegalArgumentException e) {
                    // a key only the bootloader's own format understands cannot check a job
                }
            }
        }
        return new TrustedSigners(ecdsa);
    }

    /**
     * Whether any trusted key made {@code derSignature} over the file whose SHA-256 is {@code
     * sha256}.
     */
    public boolean verify(byte[] sha256, byte[] derSignature) {
        for (VerificationKey k : keys) {
            if (k.verifyDigest(TlvType.ECDSA_SIG, sha256, derSignature)) {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return keys.isEmpty();
    }
}
