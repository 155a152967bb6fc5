package dev.meerkat.firmware.crypto;

import dev.meerkat.chip.ConfigZone;
import dev.meerkat.chip.Crc16;
import dev.meerkat.chip.CryptoChip;
import dev.meerkat.chip.DeviceType;
import dev.meerkat.chip.emulator.EmulatedChip;
import dev.meerkat.chip.emulator.EmulatorTransport;
import dev.meerkat.chip.emulator.StateFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The ATECC608 of a Meerkat device and its personalisation, as the factory does it:
 *
 * <ul>
 *   <li>slot {@value #TLS_KEY_SLOT}: the device identity key (P-256, secret, external and internal
 *       Sign, no ECDH), generated inside the chip by GenKey; its certificate authenticates the
 *       device in TLS;</li>
 *   <li>slot {@value #IMAGE_KEY_SLOT}: the image decryption key (P-256, secret, ECDH with the
 *       shared secret in the output buffer, no Sign), generated inside the chip; release tools
 *       encrypt images to its public key (ENC_EC256).</li>
 * </ul>
 *
 * Both keys are generated before the data zone is locked and cannot be replaced afterwards
 * (WriteConfig 0). Keeping signing and key agreement in separate slots means neither key can be
 * used for the other purpose, whatever the firmware asks.
 */
public final class DeviceChip {

    /** Slot of the TLS client key. */
    public static final int TLS_KEY_SLOT = 0;
    /** Slot of the image decryption (ECDH) key. */
    public static final int IMAGE_KEY_SLOT = 1;

    /** SlotConfig: IsSecret, ReadKey = external + internal Sign. */
    static final int TLS_SLOT_CONFIG = 0x0083;
    /** SlotConfig: IsSecret, ReadKey = ECDH (secret returned). */
    static final int IMAGE_SLOT_CONFIG = 0x0084;
    /** KeyConfig: Private, PubInfo, P-256, Lockable. */
    static final int PRIVATE_P256 = 0x0033;

    private DeviceChip() {
    }

    /**
     * A factory-fresh emulated ATECC608 (random serial number), personalised, with the driver in
     * front of it; commands execute at once (no datasheet delays).
     */
    public static CryptoChip emulated() {
        EmulatedChip emu = EmulatedChip.fresh(DeviceType.ATECC608);
        CryptoChip chip = driver(emu);
        personalize(chip, emu);
        return chip;
    }

    /**
     * An emulated ATECC608 whose non-volatile memory lives in {@code stateFile}: personalised on
     * first use, reopened with its keys afterwards.
     */
    public static CryptoChip emulated(Path stateFile) {
        try {
            EmulatedChip emu = StateFile.openOrCreate(stateFile, DeviceType.ATECC608);
            CryptoChip chip = driver(emu);
            if (!chip.config().dataLocked()) {
                personalize(chip, emu);
            }
            return chip;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static CryptoChip driver(EmulatedChip emu) {
        return new CryptoChip(new EmulatorTransport(emu), DeviceType.ATECC608, 3, CryptoChip.Wait.POLL, ms -> { });
    }

    /**
     * Writes the slot layout above, locks the config zone, generates both keys in the chip and
     * locks the data zone (its CRC computed from the emulator's data image).
     */
    public static void personalize(CryptoChip chip, EmulatedChip emu) {
        ConfigZone current = chip.config();
        if (!current.configLocked()) {
            byte[] c = current.bytes();
            set(c, ConfigZone.SLOT_CONFIG + 2 * TLS_KEY_SLOT, TLS_SLOT_CONFIG);
            set(c, ConfigZone.KEY_CONFIG + 2 * TLS_KEY_SLOT, PRIVATE_P256);
            set(c, ConfigZone.SLOT_CONFIG + 2 * IMAGE_KEY_SLOT, IMAGE_SLOT_CONFIG);
            set(c, ConfigZone.KEY_CONFIG + 2 * IMAGE_KEY_SLOT, PRIVATE_P256);
            chip.writeConfigZone(c);
            chip.lockConfig();
        }
        chip.genKey(TLS_KEY_SLOT);
        chip.genKey(IMAGE_KEY_SLOT);
        chip.lockData(Crc16.compute(emu.dataZoneImage()));
    }

    private static void set(byte[] config, int offset, int value) {
        config[offset] = (byte) value;
        config[offset + 1] = (byte) (value >>> 8);
    }
}
