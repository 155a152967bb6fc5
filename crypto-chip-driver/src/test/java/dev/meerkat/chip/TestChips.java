package dev.meerkat.chip;

import dev.meerkat.chip.emulator.EmulatedChip;
import dev.meerkat.chip.emulator.EmulatorTransport;
import java.security.SecureRandom;

/**
 * Emulated chips with a test configuration that exercises every permission the emulator enforces.
 */
final class TestChips {
    static final byte[] WRITE_KEY = HostCrypto.sha256("write key slot 6".getBytes());
    static final byte[] MAC_KEY = HostCrypto.sha256("checkmac key slot 14".getBytes());
    static final byte[] AES_KEY = Hex.parse("000102030405060708090A0B0C0D0E0F");

    /** SlotConfig and KeyConfig of each slot. */
    static final int[][] LAYOUT = {
        {0x2087, 0x0033}, // 0 private: ext+int sign, ECDH; GenKey allowed after lock; lockable
        {0x0083, 0x0033}, // 1 private: signs, GenKey not allowed after lock
        {0x4687, 0x0033}, // 2 private: encrypted PrivWrite with key 6
        {0x2080, 0x0033}, // 3 private: no sign, no ECDH
        {0x208C, 0x0033}, // 4 private: ECDH, secret written to slot 5
        {0x0000, 0x001C}, // 5 clear data (receives slot 4's ECDH secret)
        {0x8080, 0x001C}, // 6 write/read key: secret, never writable after lock
        {0x00C6, 0x001C}, // 7 secret, encrypted reads with key 6
        {0x0000, 0x001C}, // 8 clear data (certificates)
        {0x8080, 0x0018}, // 9 AES key
        {0x4600, 0x001C}, // 10 encrypted writes with key 6
        {0x0000, 0x0030}, // 11 P-256 public key, lockable
        {0x0000, 0x003C}, // 12 clear data, lockable
        {0x8000, 0x001C}, // 13 never writable after lock
        {0x0080, 0x001C}, // 14 CheckMac/HMAC key (secret)
        {0x0000, 0x001C}, // 15 clear data
    };

    private TestChips() {}

    static byte[] testConfig(byte[] current) {
        byte[] c = current.clone();
        c[ConfigZone.AES_ENABLE] = 0x01;
        for (int slot = 0; slot < 16; slot++) {
            c[ConfigZone.SLOT_CONFIG + 2 * slot] = (byte) LAYOUT[slot][0];
            c[ConfigZone.SLOT_CONFIG + 2 * slot + 1] = (byte) (LAYOUT[slot][0] >>> 8);
            c[ConfigZone.KEY_CONFIG + 2 * slot] = (byte) LAYOUT[slot][1];
            c[ConfigZone.KEY_CONFIG + 2 * slot + 1] = (byte) (LAYOUT[slot][1] >>> 8);
        }
        return c;
    }

    record Pair(EmulatedChip emulator, CryptoChip chip) {}

    static Pair fresh(DeviceType type) {
        byte[] sn = Hex.parse("0123A1B2C3D4E5F6EE");
        EmulatedChip emu = new EmulatedChip(type, sn, new SecureRandom());
        CryptoChip chip =
                new CryptoChip(new EmulatorTransport(emu), type, 3, CryptoChip.Wait.POLL, ms -> {});
        return new Pair(emu, chip);
    }

    /** Config written and locked; nothing in the data zone yet. */
    static Pair configLocked(DeviceType type) {
        Pair p = fresh(type);
        p.chip().writeConfigZone(testConfig(p.chip().readConfigZone()));
        if (type == DeviceType.ATECC608) {
            p.chip()
                    .write(
                            Zone.CONFIG,
                            Zone.address(0, 3),
                            new byte[] {(byte) 0xEE, 0x01, 0x01, 0x00});
        }
        p.chip().lockConfig();
        return p;
    }

    /** Config locked, keys and secrets loaded, data zone locked. */
    static Pair personalized(DeviceType type) {
        Pair p = configLocked(type);
        CryptoChip c = p.chip();
        for (int slot : new int[] {0, 1, 3, 4}) c.genKey(slot);
        c.privWrite(2, HostCrypto.sha256("slot 2 initial".getBytes()));
        c.writeSlot(6, WRITE_KEY);
        c.writeSlot(7, HostCrypto.sha256("secret in slot 7".getBytes()));
        c.writeSlot(9, java.util.Arrays.copyOf(AES_KEY, 32));
        c.writeSlot(14, MAC_KEY);
        c.writeSlot(8, "certificate storage".getBytes());
        byte[] image = dataImage(p.emulator());
        c.lockData(Crc16.compute(image));
        return p;
    }

    static byte[] dataImage(EmulatedChip emu) {
        return emu.dataZoneImage();
    }
}
