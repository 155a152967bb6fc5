package dev.meerkat.chip;

import dev.meerkat.chip.emulator.EmulatedChip;
import java.security.KeyPair;

/** {@link FullChips} for tests in other packages. */
public final class FullChipsAccess {
    public static final int SECURE_BOOT = FullChips.SECURE_BOOT;

    private FullChipsAccess() {}

    public record Keys(byte[] ioKey, byte[] parentKey, byte[] rollKey, KeyPair authority) {}

    public static EmulatedChip newChip() {
        return FullChips.newChip();
    }

    public static Keys personalize(EmulatedChip emu, CryptoChip chip) {
        FullChips.Setup s = FullChips.personalize(emu, chip, 0x4006, 0);
        return new Keys(FullChips.IO_KEY, FullChips.PARENT_KEY, FullChips.ROLL_KEY, s.authority());
    }

    public static KeyPair p256() {
        return FullChips.p256();
    }

    public static byte[] raw(KeyPair kp) {
        return FullChips.raw(kp);
    }
}
