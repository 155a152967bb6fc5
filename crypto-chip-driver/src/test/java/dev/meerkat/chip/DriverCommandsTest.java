package dev.meerkat.chip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.chip.TestChips.Pair;
import dev.meerkat.chip.jca.EcKeys;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** Every command of the driver against the emulated ATECC608 (and 508A where they differ). */
class DriverCommandsTest {

    private static boolean softwareVerify(byte[] pub, byte[] message, byte[] rawSig)
            throws Exception {
        Signature v = Signature.getInstance("SHA256withECDSA");
        v.initVerify(EcKeys.publicKey(pub));
        v.update(message);
        return v.verify(EcKeys.rawToDer(rawSig));
    }

    private static KeyPair softwareKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    @Test
    void infoReturnsTheRevision() {
        assertThat(TestChips.fresh(DeviceType.ATECC608).chip().info())
                .containsExactly(0x00, 0x00, 0x60, 0x02);
        assertThat(TestChips.fresh(DeviceType.ATECC508A).chip().info())
                .containsExactly(0x00, 0x00, 0x50, 0x00);
    }

    @Test
    void configZoneLayoutOfAFreshChip() {
        CryptoChip chip = TestChips.fresh(DeviceType.ATECC608).chip();
        ConfigZone c = chip.config();
        assertThat(chip.serialNumber()).containsExactly(Hex.parse("0123A1B2C3D4E5F6EE"));
        assertThat(c.serialNumber()).containsExactly(chip.serialNumber());
        assertThat(c.revision()).containsExactly(0x00, 0x00, 0x60, 0x02);
        assertThat(c.i2cAddress()).isEqualTo(0xC0);
        assertThat(c.configLocked()).isFalse();
        assertThat(c.dataLocked()).isFalse();
        assertThat(c.slotLocked(0)).isFalse();
        assertThat(chip.counterRead(0)).isZero();
        assertThat(chip.counterRead(1)).isZero();
    }

    @Test
    void randomIsAFixedPatternUntilTheConfigIsLocked() {
        Pair p = TestChips.fresh(DeviceType.ATECC608);
        byte[] pattern = new byte[32];
        for (int i = 0; i < 32; i += 4) {
            pattern[i] = (byte) 0xFF;
            pattern[i + 1] = (byte) 0xFF;
        }
        assertThat(p.chip().random()).containsExactly(pattern);
        p.chip().writeConfigZone(TestChips.testConfig(p.chip().readConfigZone()));
        p.chip().lockConfig();
        byte[] a = p.chip().random();
        byte[] b = p.chip().random();
        assertThat(a).isNotEqualTo(pattern);
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void nonceRandomGivesTheTempKeyTheHostComputes() {
        Pair p = TestChips.personalized(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        CryptoChip.Nonce n = chip.nonceRandom(new byte[20]);
        assertThat(n.randOut()).hasSize(32);
        // prove the shared TempKey: GenDig with the config block, then an encrypted read would need
        // slot keys,
        // so use Info(State) for the flags and CheckMac(TempKey) for the value
        byte[] state = chip.infoState();
        assertThat(state[1]).isEqualTo((byte) 1); // valid
        assertThat(state[0] & 0x10).isZero(); // SourceFlag random
        byte[] other = new byte[13];
        byte[] challenge = new byte[32];
        byte[] response =
                HostCrypto.checkMacResponse(
                        TestChips.MAC_KEY, n.tempKey(), other, null, chip.serialNumber());
        assertThat(chip.checkMac(0x01, 14, challenge, response, other)).isTrue();
    }

    @Test
    void nonceLoadAndCheckMacMiscompare() {
        CryptoChip chip = TestChips.personalized(DeviceType.ATECC608).chip();
        byte[] challenge = HostCrypto.sha256("challenge".getBytes());
        byte[] other = Hex.parse("08000000000000000000000000");
        byte[] good =
                HostCrypto.checkMacResponse(
                        TestChips.MAC_KEY, challenge, other, null, chip.serialNumber());
        assertThat(chip.checkMac(0x00, 14, challenge, good, other)).isTrue();
        byte[] bad = good.clone();
        bad[0] ^= 1;
        assertThat(chip.checkMac(0x00, 14, challenge, bad, other)).isFalse();
        // mode 1 uses TempKey from a pass-through nonce: SourceFlag must match mode bit 2
        chip.nonceLoad(challenge);
        assertThat(chip.checkMac(0x05, 14, new byte[32], good, other)).isTrue();
        chip.nonceLoad(challenge);
        assertThatThrownBy(() -> chip.checkMac(0x01, 14, new byte[32], good, other))
                .isInstanceOf(ChipStatusException.class)
                .extracting(e -> ((ChipStatusException) e).status())
                .isEqualTo(ChipStatus.EXECUTION_ERROR);
    }

    @Test
    void genKeySignAndVerifyWithSoftware() throws Exception {
        CryptoChip chip = TestChips.personalized(DeviceType.ATECC608).chip();
        byte[] pub = chip.genKey(0);
        assertThat(chip.publicKey(0)).containsExactly(pub);
        assertThat(chip.keyValid(0)).isTrue();
        byte[] message = "firmware manifest".getBytes();
        byte[] sig = chip.sign(0, MessageDigest.getInstance("SHA-256").digest(message));
        assertThat(softwareVerify(pub, message, sig)).isTrue();
        assertThat(softwareVerify(pub, "other".getBytes(), sig)).isFalse();
        // mode 0x20 (public key MAC with a session key) belongs to the ECC204 family: the 608
        // allows mode bits 2-4 only
        assertThatThrownBy(() -> chip.execute(Opcode.GENKEY, 0x20, 0, null))
                .isInstanceOfSatisfying(
                        ChipStatusException.class,
                        e -> assertThat(e.status()).isEqualTo(ChipStatus.PARSE_ERROR));
    }

    @Test
    void verifyExternalAndStored() throws Exception {
        Pair p = TestChips.configLocked(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        KeyPair kp = softwareKey();
        byte[] pub = EcKeys.raw((ECPublicKey) kp.getPublic());
        chip.writePublicKey(11, pub);
        chip.lockData(Crc16.compute(p.emulator().dataZoneImage()));
        byte[] message = "signed by the release key".getBytes();
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(kp.getPrivate());
        s.update(message);
        byte[] sig = EcKeys.derToRaw(s.sign());
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(message);
        assertThat(chip.verifyExternal(digest, sig, pub)).isTrue();
        assertThat(chip.verifyStored(digest, sig, 11)).isTrue();
        byte[] wrong = digest.clone();
        wrong[5] ^= 0x40;
        assertThat(chip.verifyExternal(wrong, sig, pub)).isFalse();
        assertThat(chip.verifyStored(wrong, sig, 11)).isFalse();
        assertThat(chip.keyValid(11)).isTrue();
        // a point off the curve is refused
        byte[] offCurve = pub.clone();
        offCurve[63] ^= 1;
        assertThatThrownBy(() -> chip.verifyExternal(digest, sig, offCurve))
                .isInstanceOf(ChipStatusException.class);
    }

    @Test
    void ecdhAgreesWithSoftware() throws Exception {
        CryptoChip chip = TestChips.personalized(DeviceType.ATECC608).chip();
        byte[] chipPub = chip.publicKey(0);
        KeyPair peer = softwareKey();
        byte[] secret = chip.ecdh(0, EcKeys.raw((ECPublicKey) peer.getPublic()));
        KeyAgreement ka = KeyAgreement.getInstance("ECDH");
        ka.init(peer.getPrivate());
        ka.doPhase(EcKeys.publicKey(chipPub), true);
        assertThat(secret).containsExactly(ka.generateSecret());
    }

    @Test
    void ecdhOn508WritesTheSecretToTheNextSlotWhenConfigured() throws Exception {
        Pair p = TestChips.personalized(DeviceType.ATECC508A);
        CryptoChip chip = p.chip();
        KeyPair peer = softwareKey();
        byte[] peerPub = EcKeys.raw((ECPublicKey) peer.getPublic());
        byte[] clear = chip.ecdh(0, peerPub);
        assertThat(clear).hasSize(32);
        assertThatThrownBy(() -> chip.ecdh(4, peerPub))
                .isInstanceOf(ChipCommunicationException.class);
        KeyAgreement ka = KeyAgreement.getInstance("ECDH");
        ka.init(peer.getPrivate());
        ka.doPhase(EcKeys.publicKey(chip.publicKey(4)), true);
        assertThat(Arrays.copyOf(chip.readSlot(5), 32)).containsExactly(ka.generateSecret());
    }

    @Test
    void signInternalAfterGenDig() throws Exception {
        CryptoChip chip = TestChips.personalized(DeviceType.ATECC608).chip();
        byte[] pub = chip.publicKey(0);
        byte[] numIn = new byte[20];
        CryptoChip.Nonce n = chip.nonceRandom(numIn);
        chip.genDig(Zone.DATA, 8, null);
        byte[] slot8 = chip.readSlot(8);
        byte[] tempKey =
                HostCrypto.genDig(
                        Arrays.copyOf(slot8, 32), Zone.DATA, 8, chip.serialNumber(), n.tempKey());
        byte[] sig = chip.signInternal(0, true);
        ConfigZone c = chip.config();
        int flags = HostCrypto.tempKeyFlags(8, false, true, false, false);
        byte[] msg =
                HostCrypto.signInternalMessage(
                        tempKey,
                        0x40,
                        0,
                        c.slotConfig(8).value(),
                        c.keyConfig(8).value(),
                        flags,
                        chip.serialNumber(),
                        false,
                        false);
        assertThat(softwareVerify(pub, msg, sig)).isTrue();
        // without a GenDig/GenKey TempKey, internal signing is refused
        chip.nonceLoad(new byte[32]);
        assertThatThrownBy(() -> chip.signInternal(0, false))
                .isInstanceOf(ChipStatusException.class);
    }

    @Test
    void readAndWriteConfigOtpAndSlots() {
        Pair p = TestChips.configLocked(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        byte[] otp = new byte[64];
        for (int i = 0; i < 64; i++) otp[i] = (byte) i;
        chip.writeOtp(otp);
        byte[] cert = new byte[416];
        for (int i = 0; i < cert.length; i++) cert[i] = (byte) (i * 7);
        chip.writeSlot(8, cert);
        chip.writeSlot(15, Arrays.copyOf("seventy-two bytes".getBytes(), 72));
        chip.lockData(Crc16.compute(p.emulator().dataZoneImage()));
        assertThat(chip.readOtp()).containsExactly(otp);
        assertThat(chip.readSlot(8)).containsExactly(cert);
        assertThat(new String(chip.readSlot(15), 0, 17)).isEqualTo("seventy-two bytes");
        // slot 5 is Always-writable: 4-byte writes after the data lock
        chip.write(Zone.DATA, Zone.dataAddress(5, 1, 0), new byte[] {1, 2, 3, 4});
        assertThat(Arrays.copyOfRange(chip.readSlot(5), 32, 36)).containsExactly(1, 2, 3, 4);
        assertThat(chip.read(Zone.CONFIG, Zone.address(0, 1), false))
                .containsExactly(0x00, 0x00, 0x60, 0x02);
    }

    @Test
    void encryptedWriteAndEncryptedRead() {
        CryptoChip chip = TestChips.personalized(DeviceType.ATECC608).chip();
        byte[] value = HostCrypto.sha256("new value of slot 10".getBytes());
        chip.writeEncrypted(10, 0, value, TestChips.WRITE_KEY, 6);
        assertThat(Arrays.copyOf(chip.readSlot(10), 32)).containsExactly(value);
        byte[] secret = chip.readEncrypted(7, 0, TestChips.WRITE_KEY, 6);
        assertThat(secret).containsExactly(HostCrypto.sha256("secret in slot 7".getBytes()));
        // a wrong key gives a wrong MAC: refused, slot unchanged
        byte[] wrongKey = TestChips.WRITE_KEY.clone();
        wrongKey[0] ^= 1;
        assertThatThrownBy(() -> chip.writeEncrypted(10, 0, new byte[32], wrongKey, 6))
                .isInstanceOf(ChipStatusException.class);
        assertThat(Arrays.copyOf(chip.readSlot(10), 32)).containsExactly(value);
    }

    @Test
    void privWriteInClearThenEncrypted() throws Exception {
        CryptoChip chip = TestChips.personalized(DeviceType.ATECC608).chip();
        KeyPair kp = softwareKey();
        byte[] d = EcKeysTestSupport.scalar((ECPrivateKey) kp.getPrivate());
        chip.privWriteEncrypted(2, d, TestChips.WRITE_KEY, 6);
        assertThat(chip.publicKey(2)).containsExactly(EcKeys.raw((ECPublicKey) kp.getPublic()));
        byte[] digest = HostCrypto.sha256("x".getBytes());
        byte[] sig = chip.sign(2, digest);
        Signature v = Signature.getInstance("NONEwithECDSA");
        v.initVerify(kp.getPublic());
        v.update(digest);
        assertThat(v.verify(EcKeys.rawToDer(sig))).isTrue();
    }

    @Test
    void lockSlotWithSummaryCrc() {
        Pair p = TestChips.configLocked(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        byte[] data = Arrays.copyOf("pinned".getBytes(), 72);
        chip.writeSlot(12, data);
        chip.lockData(Crc16.compute(p.emulator().dataZoneImage()));
        assertThatThrownBy(() -> chip.lockSlot(12, Crc16.compute(data) ^ 1))
                .isInstanceOf(ChipStatusException.class);
        chip.lockSlot(12, Crc16.compute(data));
        assertThat(chip.config().slotLocked(12)).isTrue();
        assertThatThrownBy(() -> chip.write(Zone.DATA, Zone.dataAddress(12, 0, 0), new byte[4]))
                .isInstanceOf(ChipStatusException.class);
        assertThatThrownBy(() -> chip.lockSlot(12, Crc16.compute(data)))
                .isInstanceOf(ChipStatusException.class);
        assertThatThrownBy(() -> chip.lockSlot(8, 0))
                .as("slot 8 is not lockable")
                .isInstanceOf(ChipStatusException.class);
    }

    @Test
    void shaAndHmacMatchSoftware() throws Exception {
        CryptoChip chip = TestChips.personalized(DeviceType.ATECC608).chip();
        for (int len : new int[] {0, 1, 63, 64, 65, 200}) {
            byte[] m = new byte[len];
            for (int i = 0; i < len; i++) m[i] = (byte) (i * 31);
            assertThat(chip.sha256(m))
                    .containsExactly(MessageDigest.getInstance("SHA-256").digest(m));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(TestChips.MAC_KEY, "HmacSHA256"));
            assertThat(chip.hmac(14, m)).containsExactly(mac.doFinal(m));
        }
        CryptoChip c508 = TestChips.personalized(DeviceType.ATECC508A).chip();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(TestChips.MAC_KEY, "HmacSHA256"));
        assertThat(c508.hmac(14, "abc".getBytes())).containsExactly(mac.doFinal("abc".getBytes()));
    }

    @Test
    void countersAreMonotonicAndStoredInTheConfigEncoding() {
        Pair p = TestChips.configLocked(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        for (int i = 1; i <= 40; i++) assertThat(chip.counterIncrement(1)).isEqualTo(i);
        assertThat(chip.counterRead(1)).isEqualTo(40);
        assertThat(chip.counterRead(0)).isZero();
        byte[] config = chip.readConfigZone();
        // 40 = 1*32 + 8: linear A = FFFF >> 8, linear B = FFFF >> 24 = 0, binary A = 1, binary B =
        // 0
        assertThat(Arrays.copyOfRange(config, 60, 68))
                .containsExactly(Hex.parse("00FF000000010000"));
        assertThatThrownBy(() -> chip.counterRead(2))
                .isInstanceOf(ChipStatusException.class)
                .extracting(e -> ((ChipStatusException) e).status())
                .isEqualTo(ChipStatus.PARSE_ERROR);
    }

    @Test
    void aesOnlyOnThe608AndWithAnAesKey() throws Exception {
        CryptoChip chip = TestChips.personalized(DeviceType.ATECC608).chip();
        byte[] plain = "sixteen byte blk".getBytes();
        Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(TestChips.AES_KEY, "AES"));
        byte[] cipher = chip.aesEncrypt(9, 0, plain);
        assertThat(cipher).containsExactly(c.doFinal(plain));
        assertThat(chip.aesDecrypt(9, 0, cipher)).containsExactly(plain);
        assertThatThrownBy(() -> chip.aesEncrypt(8, 0, plain))
                .isInstanceOf(ChipStatusException.class);
        CryptoChip c508 = TestChips.personalized(DeviceType.ATECC508A).chip();
        assertThatThrownBy(() -> c508.aesEncrypt(9, 0, plain))
                .isInstanceOf(ChipStatusException.class)
                .extracting(e -> ((ChipStatusException) e).status())
                .isEqualTo(ChipStatus.PARSE_ERROR);
    }

    @Test
    void selfTestAndUpdateExtra() {
        Pair p = TestChips.configLocked(DeviceType.ATECC608);
        CryptoChip chip = p.chip();
        assertThat(chip.selfTest(0x3B)).isTrue();
        chip.updateExtra(0, 0x5A);
        assertThat(chip.readConfigZone()[84]).isEqualTo((byte) 0x5A);
        assertThatThrownBy(() -> chip.updateExtra(0, 0x11)).isInstanceOf(ChipStatusException.class);
        chip.updateExtra(1, 0xC2);
        assertThat(chip.readConfigZone()[85]).isEqualTo((byte) 0xC2);
    }

    @Test
    void genDigOverConfigAndOtpKeepsTempKeyInStep() {
        CryptoChip chip = TestChips.personalized(DeviceType.ATECC608).chip();
        CryptoChip.Nonce n = chip.nonceRandom(new byte[20]);
        chip.genDig(Zone.CONFIG, 2, null);
        byte[] config = chip.readConfigZone();
        byte[] tk =
                HostCrypto.genDig(
                        Arrays.copyOfRange(config, 64, 96),
                        Zone.CONFIG,
                        2,
                        chip.serialNumber(),
                        n.tempKey());
        // CheckMac with TempKey as the second block proves both sides hold the same TempKey
        byte[] other = new byte[13];
        byte[] resp =
                HostCrypto.checkMacResponse(
                        TestChips.MAC_KEY, tk, other, null, chip.serialNumber());
        assertThat(chip.checkMac(0x01, 14, new byte[32], resp, other)).isTrue();
        // CheckMac consumed TempKey, then (mode 0x01, even slot 14) copied slot 15 (ReadKey 0)
        // into it
        assertThat(chip.infoState()[1]).as("TempKey valid again").isEqualTo((byte) 1);
        assertThat(chip.checkMac(0x00, 14, new byte[32], resp, other)).isFalse();
        assertThatThrownBy(() -> chip.genDig(Zone.CONFIG, 1, null))
                .as("TempKey consumed by CheckMac")
                .isInstanceOf(ChipStatusException.class);
    }
}
