package dev.meerkat.firmware.secureboot;

import dev.meerkat.boot.SecureBootApprover;
import dev.meerkat.chip.ChipException;
import dev.meerkat.chip.CryptoChip;
import dev.meerkat.chip.jca.EcKeys;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * Approves images with the ATECC608's SecureBoot command, the digest encrypted with the IO
 * protection key and the answer proven by the chip's MAC, so a forged "approved" on the bus does
 * not pass: first FullStore (the digest stored at an earlier approval: one SHA-256 and no ECDSA in
 * the chip), and when the image is new, FullCopy (ECDSA verification with the chip's public key,
 * then the digest is stored for the next boots). The chip's config must use SecureBootMode FullDig.
 */
public final class ChipSecureBootApprover implements SecureBootApprover {
    private static final int FULL_STORE = 0x06;
    private static final int FULL_COPY = 0x07;

    private final CryptoChip chip;
    private final byte[] ioKey;
    private final int secureBootConfig;
    private final SecureRandom random;

    /**
     * @param chip the secure element
     * @param ioKey the IO protection key shared with the chip (kept in the MCU's protected flash)
     * @param secureBootConfig the chip's SecureBoot config word (bytes 70-71), needed to check its
     *     MAC
     */
    public ChipSecureBootApprover(
            CryptoChip chip, byte[] ioKey, int secureBootConfig, SecureRandom random) {
        this.chip = Objects.requireNonNull(chip);
        if (ioKey.length != 32)
            throw new IllegalArgumentException("the IO protection key is 32 bytes");
        this.ioKey = ioKey.clone();
        this.secureBootConfig = secureBootConfig;
        this.random = Objects.requireNonNull(random);
    }

    @Override
    public Decision approve(byte[] imageHash, byte[] signature) {
        byte[] raw;
        try {
            raw = EcKeys.derToRaw(signature);
        } catch (RuntimeException e) {
            return new Refused("image signature is not an ECDSA P-256 signature");
        }
        try {
            if (chip.secureBootMac(FULL_STORE, imageHash, null, nonce(), ioKey, secureBootConfig)) {
                return new Approved();
            }
            if (chip.secureBootMac(FULL_COPY, imageHash, raw, nonce(), ioKey, secureBootConfig)) {
                return new Approved();
            }
            return new Refused("SecureBoot did not verify the image signature with the chip's key");
        } catch (ChipException e) {
            return new Refused("SecureBoot failed: " + e.getMessage());
        }
    }

    private byte[] nonce() {
        byte[] n = new byte[20];
        random.nextBytes(n);
        return n;
    }
}
