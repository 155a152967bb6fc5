package dev.meerkat.chip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.chip.TestChips.Pair;
import java.util.Arrays;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Lock ordering, lock CRCs and SlotConfig/KeyConfig permissions as the emulator enforces them. */
class PermissionsAndLocksTest {

    private static void refused(ThrowingCallable call, ChipStatus status) {
        assertThatThrownBy(call)
                .isInstanceOf(ChipStatusException.class)
                .extracting(e -> ((ChipStatusException) e).status())
                .isEqualTo(status);
    }

    private static void refused(ThrowingCallable call) {
        refused(call, ChipStatus.EXECUTION_ERROR);
    }

    @Test
    void configMustBeLockedBeforeData() {
        Pair p = TestChips.fresh(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        refused(() -> chip.lockData(Crc16.compute(p.emulator().dataZoneImage())));
        refused(() -> chip.writeSlot(8, new byte[32]), ChipStatus.EXECUTION_ERROR);
        refused(() -> chip.genKey(0));
        refused(() -> chip.counterIncrement(0));
        refused(() -> chip.spendLimitedUse(0));
        // UserExtra may be set before the config lock: cryptoauthlib's atcab_write_config_zone does
        // so
        chip.updateExtra(0, 0);
    }

    @Test
    void configLockChecksTheCrcOfAll128Bytes() {
        Pair p = TestChips.fresh(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        chip.writeConfigZone(TestChips.testConfig(chip.readConfigZone()));
        byte[] config = chip.readConfigZone();
        refused(() -> chip.lockConfig(Crc16.compute(config) ^ 1));
        assertThat(chip.config().configLocked()).isFalse();
        chip.lockConfig(Crc16.compute(config));
        assertThat(chip.config().configLocked()).isTrue();
        assertThat(chip.readConfigZone()[ConfigZone.LOCK_CONFIG]).isZero();
        refused(() -> chip.lockConfig(Crc16.compute(chip.readConfigZone())));
        refused(() -> chip.write(Zone.CONFIG, Zone.address(0, 5), new byte[4]));
    }

    @Test
    void configBytesZeroToFifteenAndTheLockWordAreNotWritable() {
        CryptoChip chip = TestChips.fresh(DeviceType.ATECC608).chip();
        refused(() -> chip.write(Zone.CONFIG, Zone.address(0, 0), new byte[4]));
        refused(() -> chip.write(Zone.CONFIG, Zone.address(0, 2), new byte[4]));
        refused(() -> chip.write(Zone.CONFIG, Zone.address(2, 5), new byte[4]));
        chip.write(Zone.CONFIG, Zone.address(0, 4), new byte[] {(byte) 0xB0, 0, 0, 0});
        assertThat(chip.config().i2cAddress()).isEqualTo(0xB0);
        // a 32-byte write of block 2 leaves UserExtra, Selector and the lock bytes alone
        byte[] block2 = new byte[32];
        Arrays.fill(block2, (byte) 0x77);
        chip.write(Zone.CONFIG, Zone.address(2, 0), block2);
        byte[] c = chip.readConfigZone();
        assertThat(c[83]).isEqualTo((byte) 0x77);
        assertThat(c[84]).isZero();
        assertThat(c[86]).isEqualTo((byte) 0x55);
        assertThat(c[87]).isEqualTo((byte) 0x55);
        assertThat(c[88]).isEqualTo((byte) 0x77);
    }

    @Test
    void dataLockChecksTheCrcOfSlotsThenOtp() {
        Pair p = TestChips.configLocked(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        byte[] otp = new byte[64];
        Arrays.fill(otp, (byte) 0xA5);
        chip.writeOtp(otp);
        byte[] slot8 = Arrays.copyOf("hello".getBytes(), 416);
        chip.writeSlot(8, slot8);
        // the host knows what it wrote: an all-zero data zone except slot 8 and OTP
        java.io.ByteArrayOutputStream image = new java.io.ByteArrayOutputStream();
        for (int s = 0; s < 16; s++) image.writeBytes(s == 8 ? slot8 : new byte[Zone.slotSize(s)]);
        image.writeBytes(otp);
        int crc = Crc16.compute(image.toByteArray());
        refused(() -> chip.lockData(crc ^ 0x100));
        chip.lockData(crc);
        assertThat(chip.config().dataLocked()).isTrue();
        refused(() -> chip.lockData(crc));
        refused(() -> chip.writeOtp(new byte[64]), ChipStatus.EXECUTION_ERROR);
    }

    @Test
    void noDataOrOtpReadsBeforeTheDataLockAndOnlyFullBlockWrites() {
        Pair p = TestChips.configLocked(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        refused(() -> chip.readSlot(8));
        refused(() -> chip.readOtp());
        refused(() -> chip.write(Zone.DATA, Zone.dataAddress(8, 0, 0), new byte[4]));
        refused(() -> chip.write(Zone.OTP, Zone.address(0, 0), new byte[4]));
        chip.write(Zone.DATA, Zone.dataAddress(8, 0, 0), new byte[32]);
    }

    @Test
    void privateKeysAreNeverReadableNorWritableWithWrite() {
        Pair p = TestChips.configLocked(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        chip.genKey(0);
        refused(() -> chip.writeSlot(0, new byte[32]));
        chip.lockData(Crc16.compute(p.emulator().dataZoneImage()));
        refused(() -> chip.read(Zone.DATA, Zone.dataAddress(0, 0, 0), true));
        refused(() -> chip.read(Zone.DATA, Zone.dataAddress(0, 0, 0), false));
        refused(() -> chip.write(Zone.DATA, Zone.dataAddress(0, 0, 0), new byte[32]));
    }

    @Test
    void secretSlotsAreNotReadableInClear() {
        CryptoChip chip = TestChips.personalized(DeviceType.ATECC608).chip();
        refused(() -> chip.readSlot(6));
        refused(() -> chip.read(Zone.DATA, Zone.dataAddress(7, 0, 0), true));
        refused(() -> chip.read(Zone.DATA, Zone.dataAddress(14, 0, 0), true));
        // encrypted read with a GenDig of the wrong slot is refused
        byte[] tk = chip.authorize(TestChips.MAC_KEY, 14);
        assertThat(tk).hasSize(32);
        refused(() -> chip.read(Zone.DATA, Zone.dataAddress(7, 0, 0), true));
    }

    @Test
    void genKeyOnlyWhereWriteConfigAllowsAfterTheDataLock() {
        Pair p = TestChips.personalized(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        byte[] before = chip.publicKey(1);
        refused(() -> chip.genKey(1));
        assertThat(chip.publicKey(1)).containsExactly(before);
        refused(() -> chip.genKey(8)); // not a private key slot
        byte[] fresh = chip.genKey(0);
        assertThat(fresh).isNotEqualTo(before);
        chip.lockSlot(0, 0);
        refused(() -> chip.genKey(0));
    }

    @Test
    void signAndEcdhFollowReadKeyBits() {
        CryptoChip chip = TestChips.personalized(DeviceType.ATECC608).chip();
        byte[] digest = new byte[32];
        refused(() -> chip.sign(3, digest));
        refused(() -> chip.sign(8, digest));
        byte[] peer = chip.publicKey(1);
        refused(() -> chip.ecdh(1, peer));
        refused(() -> chip.ecdh(3, peer));
        assertThat(chip.ecdh(0, peer)).hasSize(32);
    }

    @Test
    void privWriteRules() {
        Pair p = TestChips.configLocked(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        byte[] d = HostCrypto.sha256("k".getBytes());
        refused(() -> chip.privWrite(8, d)); // not a private key slot
        chip.privWrite(1, d);
        chip.writeSlot(6, TestChips.WRITE_KEY);
        chip.lockData(Crc16.compute(p.emulator().dataZoneImage()));
        refused(() -> chip.privWrite(2, d)); // clear PrivWrite after the data lock
        refused(() -> chip.privWriteEncrypted(1, d, TestChips.WRITE_KEY, 6)); // WriteConfig forbids
        byte[] wrong = TestChips.WRITE_KEY.clone();
        wrong[31] ^= 1;
        refused(() -> chip.privWriteEncrypted(2, d, wrong, 6)); // bad MAC
        chip.privWriteEncrypted(2, d, TestChips.WRITE_KEY, 6);
        assertThat(chip.publicKey(2)).containsExactly(chip.publicKey(1));
    }

    @Test
    void writeConfigModesAfterTheDataLock() {
        CryptoChip chip = TestChips.personalized(DeviceType.ATECC608).chip();
        refused(() -> chip.writeSlot(13, new byte[32])); // never
        refused(() -> chip.writeSlot(6, new byte[32])); // never
        refused(() -> chip.writeSlot(10, new byte[32])); // needs encryption
        chip.writeSlot(15, new byte[32]); // always
        // encrypted write needs a GenDig of the slot's WriteKey, not another key
        refused(() -> chip.writeEncrypted(10, 0, new byte[32], TestChips.MAC_KEY, 14));
    }

    @Test
    void tempKeyIsLostOnSleepButSurvivesIdle() {
        Pair p = TestChips.personalized(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        chip.nonceLoad(new byte[32]);
        assertThat(chip.infoState()[1]).isEqualTo((byte) 1);
        chip.wake();
        chip.sleep();
        assertThat(chip.infoState()[1]).isZero();
        chip.nonceLoad(new byte[32]);
        p.emulator().powerCycle();
        refused(() -> chip.execute(Opcode.SIGN, 0x80, 0, null));
    }

    @Test
    void parseErrorsForBadParameters() {
        CryptoChip chip = TestChips.personalized(DeviceType.ATECC608).chip();
        refused(() -> chip.execute(Opcode.READ, 0x04, 0, null), ChipStatus.PARSE_ERROR);
        refused(() -> chip.execute(Opcode.NONCE, 0x02, 0, new byte[20]), ChipStatus.PARSE_ERROR);
        refused(() -> chip.execute(Opcode.INFO, 0x09, 0, null), ChipStatus.PARSE_ERROR);
        refused(() -> chip.execute(0x7E, 0, 0, null), ChipStatus.PARSE_ERROR);
        refused(() -> chip.execute(Opcode.SIGN, 0x80, 0, new byte[3]), ChipStatus.PARSE_ERROR);
    }
}
