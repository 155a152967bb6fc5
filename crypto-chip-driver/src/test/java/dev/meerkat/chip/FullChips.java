package dev.meerkat.chip;

import dev.meerkat.chip.emulator.EmulatedChip;
import dev.meerkat.chip.emulator.EmulatorTransport;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;

/**
 * A 608 configured for the whole command set: IO protection key, SecureBoot, KDF, DeriveKey,
 * limited-use keys with count match, PubInfo keys validated by an authority, the persistent latch
 * and ReqAuth.
 */
final class FullChips {
    static final byte[] IO_KEY = HostCrypto.sha256("io protection key".getBytes());
    static final byte[] PARENT_KEY = HostCrypto.sha256("parent / mac key slot 7".getBytes());
    static final byte[] ROLL_KEY = HostCrypto.sha256("slot 5 before rolling".getBytes());
    static final byte[] CREATE_KEY = HostCrypto.sha256("slot 6 before creation".getBytes());
    static final byte[] LIMITED_KEY = HostCrypto.sha256("limited-use key slot 10".getBytes());
    static final byte[] LATCHED_KEY =
            HostCrypto.sha256("persistent-disable key slot 13".getBytes());
    static final byte[] AUTH_KEY = HostCrypto.sha256("req-auth key slot 15".getBytes());
    static final byte[] AES_KEY = Hex.parse("2B7E151628AED2A6ABF7158809CF4F3C");

    /**
     * SecureBoot config: FullDig, persistent enable, random nonce; digest in slot 8, public key in
     * slot 11.
     */
    static final int SECURE_BOOT = 0xB81B;

    static final int[][] LAYOUT = {
        {0x2087, 0x0033}, // 0 private: ext+int sign, ECDH
        {0x2083, 0x0033}, // 1 private: signs
        {0x208C, 0x0033}, // 2 private: ECDH, secret to slot 3
        {0x0000, 0x003C}, // 3 clear data (receives ECDH secrets)
        {0x8080, 0x003C}, // 4 IO protection key
        {0x2080, 0x003C}, // 5 DeriveKey roll / KDF target
        {0xB780, 0x003C}, // 6 DeriveKey create from slot 7 with MAC
        {0x8080, 0x003C}, // 7 parent key, MAC/CheckMac key, volatile key permit key
        {0x0000, 0x003C}, // 8 clear data: SecureBoot digest
        {0x8080, 0x0018}, // 9 AES key
        {0x80A0, 0x003C}, // 10 limited-use secret
        {0x0000, 0x0030}, // 11 P-256 public key: SecureBoot and validation authority
        {
            0x100B, 0x0012
        }, // 12 P-256 public key with PubInfo, validated by slot 11 (ReadKey), writable while
        // invalid
        {0x8080, 0x103C}, // 13 secret usable only with the persistent latch
        {0x0000, 0x003C}, // 14 count match value
        {0x8080, 0x07FC}, // 15 ReqAuth (key 7) and ReqRandom
    };

    private FullChips() {}

    record Setup(EmulatedChip emulator, CryptoChip chip, KeyPair authority, KeyPair pubInfoKey) {
        byte[] sn() {
            return chip.serialNumber();
        }
    }

    static byte[] raw(KeyPair kp) {
        return dev.meerkat.chip.jca.EcKeys.raw((ECPublicKey) kp.getPublic());
    }

    static KeyPair p256() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static Setup personalized() {
        return personalized(0x4006, 0);
    }

    /** With the given ChipOptions and count match limit (0: no count match). */
    static Setup personalized(int chipOptions, long countMatchLimit) {
        EmulatedChip emu = newChip();
        CryptoChip chip =
                new CryptoChip(
                        new EmulatorTransport(emu),
                        DeviceType.ATECC608,
                        3,
                        CryptoChip.Wait.POLL,
                        ms -> {});
        return personalize(emu, chip, chipOptions, countMatchLimit);
    }

    static EmulatedChip newChip() {
        return new EmulatedChip(
                DeviceType.ATECC608, Hex.parse("0123A1B2C3D4E5F6EE"), new SecureRandom());
    }

    /** Programs and locks {@code emu} through {@code chip} (any transport). */
    static Setup personalize(
            EmulatedChip emu, CryptoChip chip, int chipOptions, long countMatchLimit) {
        byte[] c = chip.readConfigZone();
        for (int slot = 0; slot < 16; slot++) {
            c[ConfigZone.SLOT_CONFIG + 2 * slot] = (byte) LAYOUT[slot][0];
            c[ConfigZone.SLOT_CONFIG + 2 * slot + 1] = (byte) (LAYOUT[slot][0] >>> 8);
            c[ConfigZone.KEY_CONFIG + 2 * slot] = (byte) LAYOUT[slot][1];
            c[ConfigZone.KEY_CONFIG + 2 * slot + 1] = (byte) (LAYOUT[slot][1] >>> 8);
        }
        c[ConfigZone.COUNT_MATCH] = (byte) (countMatchLimit > 0 ? 0xE1 : 0x00);
        c[ConfigZone.VOLATILE_KEY_PERMISSION] = (byte) 0x87;
        c[ConfigZone.SECURE_BOOT] = (byte) SECURE_BOOT;
        c[ConfigZone.SECURE_BOOT + 1] = (byte) (SECURE_BOOT >>> 8);
        c[ConfigZone.KDF_IV_LOC] = 9;
        c[ConfigZone.KDF_IV_STR] = 'i';
        c[ConfigZone.KDF_IV_STR + 1] = 'v';
        c[ConfigZone.CHIP_OPTIONS] = (byte) chipOptions;
        c[ConfigZone.CHIP_OPTIONS + 1] = (byte) (chipOptions >>> 8);
        chip.writeConfigZone(c);
        chip.write(Zone.CONFIG, Zone.address(0, 3), new byte[] {(byte) 0xEE, 0x01, 0x01, 0x00});
        chip.lockConfig();
        KeyPair authority = p256();
        KeyPair pubInfoKey = p256();
        for (int slot : new int[] {0, 1, 2}) chip.genKey(slot);
        chip.writeSlot(4, IO_KEY);
        chip.writeSlot(5, ROLL_KEY);
        chip.writeSlot(6, CREATE_KEY);
        chip.writeSlot(7, PARENT_KEY);
        chip.writeSlot(9, Arrays.copyOf(AES_KEY, 32));
        chip.writeSlot(10, LIMITED_KEY);
        chip.writePublicKey(11, raw(authority));
        chip.writePublicKey(12, raw(pubInfoKey));
        chip.writeSlot(13, LATCHED_KEY);
        if (countMatchLimit > 0)
            chip.writeSlot(14, Arrays.copyOf(HostCrypto.counterMatchValue(countMatchLimit), 32));
        chip.writeSlot(15, AUTH_KEY);
        chip.lockData(Crc16.compute(emu.dataZoneImage()));
        return new Setup(emu, chip, authority, pubInfoKey);
    }
}
