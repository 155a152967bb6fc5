package dev.meerkat.firmware.crypto;

import dev.meerkat.chip.ConfigZone;
import dev.meerkat.chip.Crc16;
import dev.meerkat.chip.CryptoChip;
import dev.meerkat.chip.DeviceType;
import dev.meerkat.chip.emulator.EmulatedChip;
import dev.meerkat.chip.emulator.EmulatorTransport;
import dev.meerkat.chip.emulator.StateFile;
import dev.meerkat.chip.provisioning.ConfigTemplate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The ATECC608 of a Meerkat device and its personalisation, as the factory does it, with the slot
 * layout of the provisioning template the factory station writes ({@link ConfigTemplate#DEFAULT},
 * {@code meerkat-tls.json} in crypto-chip-driver):
 *
 * <ul>
 *   <li>the device key slot (0): the identity key (P-256, secret, external and internal Sign, no
 *       ECDH), generated inside the chip by GenKey; its certificate authenticates the device in
 *       TLS;
 *   <li>the image key slot (1): the image decryption key (P-256, secret, ECDH with the shared
 *       secret in the output buffer, no Sign), generated inside the chip; release tools encrypt
 *       images to its public key (ENC_EC256).
 * </ul>
 *
 * Both keys are generated before the data zone is locked and cannot be replaced afterwards
 * (WriteConfig 0). Keeping signing and key agreement in separate slots means neither key can be
 * used for the other purpose, whatever the firmware asks.
 */
public final class DeviceChip {

    /** The layout the factory station writes. */
    private static final ConfigTemplate LAYOUT = ConfigTemplate.load(ConfigTemplate.DEFAULT);

    /** Slot of the TLS client key. */
    public static final int TLS_KEY_SLOT = LAYOUT.deviceKeySlot();

    /** Slot of the image decryption (ECDH) key. */
    public static final int IMAGE_KEY_SLOT =
            LAYOUT.imageKeySlot()
                    .orElseThrow(
                            () ->
                                    new IllegalStateException(
                                            "template "
                                                    + LAYOUT.name()
                                                    + " has no image key slot"));

    private DeviceChip() {}

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
        return new CryptoChip(
                new EmulatorTransport(emu), DeviceType.ATECC608, 3, CryptoChip.Wait.POLL, ms -> {});
    }

    /**
     * Writes the template's layout, locks the config zone, generates both keys in the chip and
     * locks the data zone (its CRC computed from the emulator's data image).
     */
    public static void personalize(CryptoChip chip, EmulatedChip emu) {
        ConfigZone current = chip.config();
        if (!current.configLocked()) {
            chip.writeConfigZone(LAYOUT.apply(current.bytes()));
            chip.lockConfig();
        }
        chip.genKey(TLS_KEY_SLOT);
        chip.genKey(IMAGE_KEY_SLOT);
        chip.lockData(Crc16.compute(emu.dataZoneImage()));
    }
}
