package dev.meerkat.fwzip;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * One manifest signature as {@code mos} stores it: an ECDSA P-256 signature over the SHA-256 of the
 * exact manifest.json bytes, ASN.1 DER encoded, kept under key {@code sig<slot>} in the JSON object
 * of the manifest entry's 0x293a extra field.
 *
 * @param slot signature slot, 0 to {@value #MAX_SLOT}
 * @param der the DER-encoded signature (a copy is kept and returned)
 */
public record FwSignature(int slot, byte[] der) {
    /** Highest slot number ({@code sig7}). */
    public static final int MAX_SLOT = 7;

    /** Upper bound on a stored signature's size; P-256 DER signatures are at most 72 bytes. */
    static final int MAX_DER = 512;

    public FwSignature {
        if (slot < 0 || slot > MAX_SLOT) {
            throw new IllegalArgumentException(
                    "signature slot must be 0.." + MAX_SLOT + ": " + slot);
        }
        Objects.requireNonNull(der, "der");
        if (der.length == 0 || der.length > MAX_DER) {
            throw new IllegalArgumentException("signature length out of range: " + der.length);
        }
        der = der.clone();
    }

    @Override
    public byte[] der() {
        return der.clone();
    }

    /** The JSON key, {@code sig<slot>}. */
    public String key() {
        return "sig" + slot;
    }

    /** The value as stored: standard base64 with padding. */
    public String base64() {
        return Base64.getEncoder().encodeToString(der);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FwSignature s && s.slot == slot && Arrays.equals(s.der, der);
    }

    @Override
    public int hashCode() {
        return 31 * slot + Arrays.hashCode(der);
    }

    @Override
    public String toString() {
        return "FwSignature[" + key() + ", " + der.length + " bytes]";
    }
}
