package dev.meerkat.firmware.secureboot;

import dev.meerkat.boot.BootListener;
import dev.meerkat.boot.BootMode;
import dev.meerkat.boot.BootResult;
import dev.meerkat.boot.Bootloader;
import dev.meerkat.boot.SecureBootApprover;
import dev.meerkat.boot.sim.SimDevice;
import dev.meerkat.boot.sim.SimImages;
import dev.meerkat.boot.sim.SimProfile;
import dev.meerkat.chip.ConfigZone;
import dev.meerkat.chip.Crc16;
import dev.meerkat.chip.CryptoChip;
import dev.meerkat.chip.DeviceType;
import dev.meerkat.chip.Zone;
import dev.meerkat.chip.emulator.EmulatedChip;
import dev.meerkat.chip.emulator.EmulatorTransport;
import dev.meerkat.chip.emulator.StateFile;
import dev.meerkat.hal.Device;
import dev.meerkat.hal.PowerLossException;
import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.ResetCause;
import dev.meerkat.hal.RootOfTrust;
import dev.meerkat.image.SigningKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The "secure-boot" board profile: the simulated board of {@code meerkat bootsim} with an ATECC608
 * next to the MCU, and a bootloader that asks the chip's SecureBoot command to approve every image
 * before jumping. The chip holds the image-signing public key (slot 11, never writable), the digest
 * of the last approved image (slot 8) and the IO protection key (slot 4) the MCU shares with it;
 * its SecureBoot config is FullDig with a random nonce and the persistent latch.
 *
 * <p>The board runs a minimal firmware: a test boot commits at once. A power loss of the chip (the
 * emulator's fault) is a power loss of the board.
 */
public final class SecureBootBoard {
    /**
     * SecureBoot config: FullDig (3), persistent enable, random nonce; digest in slot 8, public key
     * in slot 11.
     */
    public static final int SECURE_BOOT_CONFIG = 0xB81B;

    static final int IO_KEY_SLOT = 4;
    static final int DIGEST_SLOT = 8;
    static final int PUBLIC_KEY_SLOT = 11;

    private final SimDevice sim;
    private final EmulatedChip chip;
    private final CryptoChip driver;
    private final byte[] ioKey;
    private final SecureBootApprover approver;

    private SecureBootBoard(SimDevice sim, EmulatedChip chip, byte[] ioKey, long seed) {
        this.sim = sim;
        this.chip = chip;
        this.ioKey = ioKey.clone();
        this.driver =
                new CryptoChip(
                        new EmulatorTransport(chip),
                        DeviceType.ATECC608,
                        3,
                        CryptoChip.Wait.POLL,
                        ms -> {});
        ChipSecureBootApprover onChip =
                new ChipSecureBootApprover(driver, ioKey, SECURE_BOOT_CONFIG, seeded(seed));
        this.approver =
                (hash, signature) -> {
                    SecureBootApprover.Decision d = onChip.approve(hash, signature);
                    if (chip.unpowered())
                        throw new PowerLossException("the secure element lost power");
                    return d;
                };
    }

    private static SecureRandom seeded(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A factory-fresh board whose bootloader trusts {@code bootloaderKeys} and whose chip trusts
     * only {@code chipKey} (an ECDSA P-256 image-signing key).
     */
    public static SecureBootBoard provision(
            SimProfile profile,
            SimImages images,
            SigningKey chipKey,
            SigningKey[] bootloaderKeys,
            long seed) {
        ProvisionedKey[] keys =
                Arrays.stream(bootloaderKeys)
                        .map(
                                k ->
                                        ProvisionedKey.publicKey(
                                                k.verificationKey().publicKey().getEncoded()))
                        .toArray(ProvisionedKey[]::new);
        SimDevice sim =
                SimDevice.create(profile, images, RootOfTrust.of(keys), seed, BootListener.NONE);
        SecureRandom r = seeded(seed ^ 0x5EC0B007L);
        byte[] sn = new byte[9];
        r.nextBytes(sn);
        sn[0] = 0x01;
        sn[1] = 0x23;
        sn[8] = (byte) 0xEE;
        EmulatedChip chip = new EmulatedChip(DeviceType.ATECC608, sn, r);
        byte[] ioKey = new byte[32];
        r.nextBytes(ioKey);
        personalize(chip, ioKey, rawPublicKey(chipKey));
        return new SecureBootBoard(sim, chip, ioKey, seed);
    }

    private static byte[] rawPublicKey(SigningKey key) {
        return dev.meerkat.chip.jca.EcKeys.raw(
                (java.security.interfaces.ECPublicKey) key.verificationKey().publicKey());
    }

    /** Config, keys and locks of the chip, as a factory would program them. */
    private static void personalize(EmulatedChip emu, byte[] ioKey, byte[] imagePublicKey) {
        CryptoChip c =
                new CryptoChip(
                        new EmulatorTransport(emu),
                        DeviceType.ATECC608,
                        3,
                        CryptoChip.Wait.POLL,
                        ms -> {});
        byte[] config = c.readConfigZone();
        setSlot(config, IO_KEY_SLOT, 0x8080, 0x003C); // secret, never written after the lock
        setSlot(config, DIGEST_SLOT, 0x8000, 0x003C); // only SecureBoot writes it
        setSlot(
                config,
                PUBLIC_KEY_SLOT,
                0x8000,
                0x0030); // P-256 public key, never written after the lock
        config[ConfigZone.SECURE_BOOT] = (byte) SECURE_BOOT_CONFIG;
        config[ConfigZone.SECURE_BOOT + 1] = (byte) (SECURE_BOOT_CONFIG >>> 8);
        int chipOptions = 0x0002 | IO_KEY_SLOT << 12;
        config[ConfigZone.CHIP_OPTIONS] = (byte) chipOptions;
        config[ConfigZone.CHIP_OPTIONS + 1] = (byte) (chipOptions >>> 8);
        c.writeConfigZone(config);
        c.lockConfig();
        c.writeSlot(IO_KEY_SLOT, ioKey);
        c.writePublicKey(PUBLIC_KEY_SLOT, imagePublicKey);
        c.lockData(Crc16.compute(emu.dataZoneImage()));
    }

    private static void setSlot(byte[] config, int slot, int slotConfig, int keyConfig) {
        config[ConfigZone.SLOT_CONFIG + 2 * slot] = (byte) slotConfig;
        config[ConfigZone.SLOT_CONFIG + 2 * slot + 1] = (byte) (slotConfig >>> 8);
        config[ConfigZone.KEY_CONFIG + 2 * slot] = (byte) keyConfig;
        config[ConfigZone.KEY_CONFIG + 2 * slot + 1] = (byte) (keyConfig >>> 8);
    }

    public SimDevice sim() {
        return sim;
    }

    public EmulatedChip chip() {
        return chip;
    }

    public SecureBootApprover approver() {
        return approver;
    }

    /** The bootloader's decision, with the chip asked before any jump. */
    public BootResult boot() {
        return new Bootloader(sim.device(), sim.layout(), sim.config(), approver).boot();
    }

    /** Boot and run the minimal firmware: a test boot commits. */
    public BootResult cycle() {
        BootResult r = boot();
        if (r instanceof BootResult.Jump j && j.mode() == BootMode.TEST) {
            sim.device().clock().advanceMillis(50);
            sim.control().commit();
        }
        return r;
    }

    /** Power comes back after a loss: the MCU resets and the chip loses its volatile state. */
    public void powerCycle() {
        sim.device().reset(ResetCause.POWER_LOSS);
        chip.powerCycle();
    }

    /** Persistent state of the board: flash and counters, and the chip's non-volatile memory. */
    public record Snapshot(Device.Snapshot device, byte[] chipState) {}

    public Snapshot snapshot() {
        try {
            Path tmp = Files.createTempFile("secure-boot-chip", ".state");
            try {
                StateFile.write(tmp, chip);
                return new Snapshot(sim.device().snapshot(), Files.readAllBytes(tmp));
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A board in the state {@code s}, with the same keys (a fresh board object, as after a
     * restart).
     */
    public SecureBootBoard restore(Snapshot s, long seed) {
        try {
            Path tmp = Files.createTempFile("secure-boot-chip", ".state");
            try {
                Files.write(tmp, s.chipState());
                EmulatedChip c = StateFile.read(tmp);
                SimDevice d =
                        SimDevice.create(
                                sim.profile(),
                                sim.images(),
                                sim.device().rootOfTrust(),
                                seed,
                                BootListener.NONE);
                d.device().restore(s.device());
                return new SecureBootBoard(d, c, ioKey, seed);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The digest the chip stored at its last approval (slot 8 starts after the eight 36-byte
     * slots).
     */
    public byte[] storedDigest() {
        int at = DIGEST_SLOT * Zone.slotSize(0);
        return Arrays.copyOfRange(chip.dataZoneImage(), at, at + 32);
    }
}
