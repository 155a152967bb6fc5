package dev.meerkat.chip.jca;

import dev.meerkat.chip.CryptoChip;
import java.security.PrivateKey;
import java.security.interfaces.ECKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import java.util.Objects;

/**
 * A handle for the P-256 private key in slot N of a chip. It carries no key material: signing and
 * ECDH go to the chip through {@link ChipProvider}. Implements {@link ECKey} (not ECPrivateKey,
 * which would have to reveal the scalar) so JSSE can see the curve.
 */
public final class ChipPrivateKey implements PrivateKey, ECKey {
    private static final long serialVersionUID = 1L;

    private final transient CryptoChip chip;
    private final int slot;
    private final transient ECPublicKey publicKey;

    public ChipPrivateKey(CryptoChip chip, int slot, ECPublicKey publicKey) {
        this.chip = Objects.requireNonNull(chip);
        if (slot < 0 || slot > 15) throw new IllegalArgumentException("slot " + slot);
        this.slot = slot;
        this.publicKey = publicKey;
    }

    /** A handle whose public key is read from the chip (GenKey public mode). */
    public static ChipPrivateKey of(CryptoChip chip, int slot) {
        return new ChipPrivateKey(chip, slot, EcKeys.publicKey(chip.publicKey(slot)));
    }

    public CryptoChip chip() {
        return chip;
    }

    public int slot() {
        return slot;
    }

    public ECPublicKey publicKey() {
        return publicKey;
    }

    @Override
    public String getAlgorithm() {
        return "EC";
    }

    /** The key cannot be exported. */
    @Override
    public String getFormat() {
        return null;
    }

    @Override
    public byte[] getEncoded() {
        return null;
    }

    @Override
    public ECParameterSpec getParams() {
        return EcKeys.P256;
    }

    @Override
    public String toString() {
        return "ChipPrivateKey[slot " + slot + "]";
    }
}
