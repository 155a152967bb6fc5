package dev.meerkat.chip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.chip.FullChips.Setup;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Nonce, GenDig, MAC, CheckMac, HMAC and DeriveKey: the chip's results against what the host
 * computes the way cryptoauthlib's atcah_* functions do.
 */
class NonceGenDigMacTest {
    private static final byte[] NUM_IN = Hex.parse("000102030405060708090A0B0C0D0E0F10111213");
    private static final byte[] CHALLENGE = HostCrypto.sha256("challenge".getBytes());

    private static int statusOf(Runnable r) {
        try {
            r.run();
            return 0;
        } catch (ChipStatusException e) {
            return e.status().code();
        }
    }

    @Test
    void nonceModesUpdateTempKeyAndTheBuffers() {
        Setup s = FullChips.personalized();
        CryptoChip chip = s.chip();
        // random mode: TempKey = SHA-256(RandOut || NumIn || 16 00 00)
        CryptoChip.Nonce n = chip.nonceRandom(NUM_IN);
        byte[] flags = chip.infoState();
        assertThat(flags[1]).as("TempKey valid").isEqualTo((byte) 1);
        assertThat(flags[0] & 0x10).as("SourceFlag random").isZero();
        // TempKey calculation mode (param2 0x8000): the new TempKey is returned and equals the
        // host's calculation
        byte[] next = chip.nonceFromTempKey(NUM_IN);
        assertThat(next).containsExactly(HostCrypto.nonceTempKey(n.tempKey(), NUM_IN, 0));
        // MAC over TempKey proves the chip holds exactly that value
        byte[] mac = chip.mac(0x01, 7, null);
        assertThat(mac)
                .containsExactly(
                        HostCrypto.mac(0x01, 7, FullChips.PARENT_KEY, next, new byte[64], s.sn()));
        // pass-through of 32 bytes into TempKey sets SourceFlag
        chip.nonceLoad(CHALLENGE);
        assertThat(chip.infoState()[0] & 0x10).isEqualTo(0x10);
        assertThat(chip.mac(0x05, 7, null))
                .containsExactly(
                        HostCrypto.mac(
                                0x05, 7, FullChips.PARENT_KEY, CHALLENGE, new byte[64], s.sn()));
        // pass-through of 64 bytes into the message digest buffer feeds Sign(External, digest
        // buffer)
        byte[] digest = HostCrypto.sha256("signed from the digest buffer".getBytes());
        CryptoChip.Nonce kept = chip.nonceRandom(NUM_IN);
        chip.nonceLoad(0x40, Arrays.copyOf(digest, 64));
        byte[] sig = chip.signDigestBuffer(0);
        // signing the digest buffer leaves TempKey as it was (cryptoauthlib's verify tests rely on
        // it: random nonce, Sign, then Verify with that TempKey)
        assertThat(chip.mac(0x01, 7, null))
                .containsExactly(
                        HostCrypto.mac(
                                0x01,
                                7,
                                FullChips.PARENT_KEY,
                                kept.tempKey(),
                                new byte[64],
                                s.sn()));
        assertThat(chip.verifyExternal(digest, sig, chip.publicKey(0))).isTrue();
        // the alternate key buffer feeds KDF (see ShaAesKdfTest); an odd length or mode is a parse
        // error
        chip.nonceLoad(0x80, CHALLENGE);
        assertThat(statusOf(() -> chip.execute(Opcode.NONCE, 0xA3, 0, new byte[64])))
                .isEqualTo(0x03);
        assertThat(statusOf(() -> chip.execute(Opcode.NONCE, 0x02, 0, NUM_IN))).isEqualTo(0x03);
        assertThat(statusOf(() -> chip.execute(Opcode.NONCE, 0x00, 0, new byte[19])))
                .isEqualTo(0x03);
    }

    @Test
    void genDigOverEveryZoneMatchesTheHost() {
        Setup s = FullChips.personalized();
        CryptoChip chip = s.chip();
        byte[] sn = s.sn();
        byte[] config = chip.readConfigZone();
        byte[] other32 = HostCrypto.sha256("shared nonce".getBytes());
        ConfigZone cz = new ConfigZone(config);
        for (int zone = 0; zone <= 5; zone++) {
            int keyId =
                    switch (zone) {
                        case 0 -> 2;
                        case 1 -> 1;
                        case 2 -> 7;
                        case 3 -> 0x8000;
                        case 4 -> 1;
                        default -> 12;
                    };
            chip.nonceLoad(CHALLENGE);
            byte[] expected =
                    switch (zone) {
                        case 0 ->
                                HostCrypto.genDig(
                                        Arrays.copyOfRange(config, 64, 96), 0, 2, sn, CHALLENGE);
                        case 1 ->
                                HostCrypto.genDig(
                                        Arrays.copyOfRange(new byte[64], 32, 64),
                                        1,
                                        1,
                                        sn,
                                        CHALLENGE);
                        case 2 -> HostCrypto.genDig(FullChips.PARENT_KEY, 2, 7, sn, CHALLENGE);
                        case 3 -> HostCrypto.genDigSharedNonce(other32, 0x8000, sn, CHALLENGE);
                        case 4 -> HostCrypto.genDigCounter(1, chip.counterRead(1), sn, CHALLENGE);
                        default ->
                                HostCrypto.genDigKeyConfig(
                                        12,
                                        cz.slotConfig(12).value(),
                                        cz.keyConfig(12).value(),
                                        false,
                                        sn,
                                        CHALLENGE);
                    };
            chip.genDig(zone, keyId, zone == 3 ? other32 : null);
            // the TempKey the chip now holds, proven with a MAC over it (SourceFlag stays "input")
            assertThat(chip.mac(0x05, 7, null))
                    .as("zone " + zone)
                    .containsExactly(
                            HostCrypto.mac(
                                    0x05, 7, FullChips.PARENT_KEY, expected, new byte[64], sn));
        }
        // shared nonce without bit 15: OtherData first, TempKey last
        chip.nonceLoad(CHALLENGE);
        chip.genDig(3, 0, other32);
        assertThat(chip.mac(0x05, 7, null))
                .containsExactly(
                        HostCrypto.mac(
                                0x05,
                                7,
                                FullChips.PARENT_KEY,
                                HostCrypto.genDigSharedNonce(other32, 0, sn, CHALLENGE),
                                new byte[64],
                                sn));
        // GenDig needs a valid TempKey, and zones beyond 5 are parse errors
        assertThat(statusOf(() -> chip.genDig(2, 7, null))).isEqualTo(0x0F);
        chip.nonceLoad(CHALLENGE);
        assertThat(statusOf(() -> chip.genDig(6, 0, null))).isEqualTo(0x03);
        assertThat(statusOf(() -> chip.genDig(2, 0, null))).as("private key").isEqualTo(0x0F);
    }

    @Test
    void macModesIncludeOtpAndSerialAsTheHostComputes() {
        Setup s = FullChips.personalized();
        CryptoChip chip = s.chip();
        byte[] otp = new byte[64];
        for (int mode : new int[] {0x00, 0x10, 0x20, 0x40, 0x60, 0x50}) {
            byte[] mac = chip.mac(mode, 7, CHALLENGE);
            assertThat(mac)
                    .as("mode %02X", mode)
                    .containsExactly(
                            HostCrypto.mac(mode, 7, FullChips.PARENT_KEY, CHALLENGE, otp, s.sn()));
        }
        // block 1 from TempKey (random nonce, mode bit 2 clear)
        CryptoChip.Nonce n = chip.nonceRandom(NUM_IN);
        assertThat(chip.mac(0x02, 7, CHALLENGE))
                .containsExactly(HostCrypto.mac(0x02, 7, n.tempKey(), CHALLENGE, otp, s.sn()));
        // TempKey is consumed; a SourceFlag mismatch is an execution error
        assertThat(statusOf(() -> chip.mac(0x01, 7, null))).isEqualTo(0x0F);
        chip.nonceLoad(CHALLENGE);
        assertThat(statusOf(() -> chip.mac(0x01, 7, null))).isEqualTo(0x0F);
        assertThat(statusOf(() -> chip.mac(0x00, 0, CHALLENGE)))
                .as("private key slot")
                .isEqualTo(0x0F);
        assertThat(statusOf(() -> chip.execute(Opcode.MAC, 0x08, 7, CHALLENGE))).isEqualTo(0x03);
    }

    @Test
    void checkMacAcceptsTheHostResponseAndRejectsAnother() {
        Setup s = FullChips.personalized();
        CryptoChip chip = s.chip();
        byte[] other = Hex.parse("0800070000000000000000000000".substring(0, 26));
        byte[] response =
                HostCrypto.checkMacResponse(FullChips.PARENT_KEY, CHALLENGE, other, null, s.sn());
        assertThat(chip.checkMac(0x00, 7, CHALLENGE, response, other)).isTrue();
        byte[] wrong = response.clone();
        wrong[0] ^= 1;
        assertThat(chip.checkMac(0x00, 7, CHALLENGE, wrong, other)).isFalse();
        // the response of a MAC command on one chip is checked by CheckMac with the same key (other
        // data = MAC header)
        byte[] mac = chip.mac(0x00, 7, CHALLENGE);
        byte[] header = new byte[13];
        header[0] = (byte) Opcode.MAC;
        header[2] = 7;
        assertThat(chip.checkMac(0x00, 7, CHALLENGE, mac, header)).isTrue();
    }

    @Test
    void checkMacCopiesThePasswordSlotIntoTempKey() {
        Setup s = FullChips.personalized();
        CryptoChip chip = s.chip();
        byte[] other = new byte[13];
        // mode 0x01 with the even slot 6: a match copies slot 7 (ReadKey 0) into TempKey, as
        // atcah_check_mac models it (SourceFlag fixed)
        CryptoChip.Nonce n = chip.nonceRandom(NUM_IN);
        byte[] response =
                HostCrypto.checkMacResponse(FullChips.CREATE_KEY, n.tempKey(), other, null, s.sn());
        assertThat(chip.checkMac(0x01, 6, new byte[32], response, other)).isTrue();
        assertThat(chip.mac(0x05, 7, null))
                .containsExactly(
                        HostCrypto.mac(
                                0x05,
                                7,
                                FullChips.PARENT_KEY,
                                FullChips.PARENT_KEY,
                                new byte[64],
                                s.sn()));
        // a mismatch copies nothing (TempKey is consumed)
        chip.nonceRandom(NUM_IN);
        assertThat(chip.checkMac(0x01, 6, new byte[32], response, other)).isFalse();
        assertThat(statusOf(() -> chip.mac(0x05, 7, null))).isEqualTo(0x0F);
    }

    @Test
    void genDigOverATransportKeyOfTheHardwareArray() {
        Setup s = FullChips.personalized();
        CryptoChip chip = s.chip();
        byte[] transport = HostCrypto.sha256("transport key 0x8001".getBytes());
        s.emulator().installTransportKey(0x8001, transport);
        chip.nonceLoad(CHALLENGE);
        chip.genDig(2, 0x8001, null);
        byte[] expected = HostCrypto.genDig(transport, 2, 0x8001, s.sn(), CHALLENGE);
        assertThat(chip.mac(0x05, 7, null))
                .containsExactly(
                        HostCrypto.mac(
                                0x05, 7, FullChips.PARENT_KEY, expected, new byte[64], s.sn()));
        chip.nonceLoad(CHALLENGE);
        assertThat(statusOf(() -> chip.genDig(2, 0x8002, null)))
                .as("no such transport key")
                .isEqualTo(0x0F);
    }

    @Test
    void hmacCommandOfThe508aIsHmacSha256OverTheMacMessage() throws Exception {
        TestChips.Pair p = TestChips.personalized(DeviceType.ATECC508A);
        CryptoChip chip = p.chip();
        CryptoChip.Nonce n = chip.nonceRandom(NUM_IN);
        byte[] r = chip.hmacCommand(0x40, 14);
        byte[] sn = chip.serialNumber();
        byte[] expected =
                HostCrypto.hmacCommand(0x40, 14, TestChips.MAC_KEY, n.tempKey(), new byte[64], sn);
        assertThat(r).containsExactly(expected);
        // independent check with the JDK's HMAC over the documented message
        javax.crypto.Mac jdk = javax.crypto.Mac.getInstance("HmacSHA256");
        jdk.init(new javax.crypto.spec.SecretKeySpec(TestChips.MAC_KEY, "HmacSHA256"));
        byte[] msg = new byte[88];
        System.arraycopy(n.tempKey(), 0, msg, 32, 32);
        msg[64] = 0x11;
        msg[65] = 0x40;
        msg[66] = 14;
        msg[79] = sn[8];
        System.arraycopy(sn, 4, msg, 80, 4);
        msg[84] = sn[0];
        msg[85] = sn[1];
        System.arraycopy(sn, 2, msg, 86, 2);
        assertThat(r).containsExactly(jdk.doFinal(msg));
        assertThat(statusOf(() -> chip.hmacCommand(0x40, 14)))
                .as("TempKey consumed")
                .isEqualTo(0x0F);
        assertThat(
                        statusOf(
                                () ->
                                        TestChips.personalized(DeviceType.ATECC608)
                                                .chip()
                                                .hmacCommand(0, 14)))
                .as("the 608 has no HMAC command")
                .isEqualTo(0x03);
    }

    @Test
    void deriveKeyRollsAndCreatesKeysWithTheAuthorisingMac() {
        Setup s = FullChips.personalized();
        CryptoChip chip = s.chip();
        byte[] sn = s.sn();
        // roll slot 5: parent is slot 5 itself, random nonce (mode bit 2 clear)
        CryptoChip.Nonce n = chip.nonceRandom(NUM_IN);
        chip.deriveKey(0x00, 5, null);
        byte[] rolled = HostCrypto.deriveKey(FullChips.ROLL_KEY, 0x00, 5, sn, n.tempKey());
        assertThat(chip.mac(0x00, 5, CHALLENGE))
                .containsExactly(HostCrypto.mac(0x00, 5, rolled, CHALLENGE, new byte[64], sn));
        // create slot 6 from its WriteKey (7), MAC required, pass-through nonce (mode bit 2 set)
        chip.nonceLoad(CHALLENGE);
        assertThat(statusOf(() -> chip.deriveKey(0x04, 6, null))).as("MAC missing").isEqualTo(0x0F);
        chip.nonceLoad(CHALLENGE);
        byte[] bad = HostCrypto.deriveKeyMac(FullChips.CREATE_KEY, 0x04, 6, sn);
        assertThat(statusOf(() -> chip.deriveKey(0x04, 6, bad)))
                .as("MAC with the wrong parent")
                .isEqualTo(0x0F);
        chip.nonceLoad(CHALLENGE);
        chip.deriveKey(0x04, 6, HostCrypto.deriveKeyMac(FullChips.PARENT_KEY, 0x04, 6, sn));
        byte[] created = HostCrypto.deriveKey(FullChips.PARENT_KEY, 0x04, 6, sn, CHALLENGE);
        assertThat(chip.mac(0x00, 6, CHALLENGE))
                .containsExactly(HostCrypto.mac(0x00, 6, created, CHALLENGE, new byte[64], sn));
        // SourceFlag must match mode bit 2; slots without DeriveKey in WriteConfig refuse
        chip.nonceLoad(CHALLENGE);
        assertThat(statusOf(() -> chip.deriveKey(0x00, 5, null))).isEqualTo(0x0F);
        chip.nonceLoad(CHALLENGE);
        assertThat(statusOf(() -> chip.deriveKey(0x04, 7, null))).isEqualTo(0x0F);
        assertThatThrownBy(() -> chip.deriveKey(0x04, 6, new byte[3]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
