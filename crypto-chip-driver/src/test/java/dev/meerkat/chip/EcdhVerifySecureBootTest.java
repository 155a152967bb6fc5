package dev.meerkat.chip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.chip.FullChips.Setup;
import dev.meerkat.chip.jca.EcKeys;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Arrays;
import javax.crypto.KeyAgreement;
import org.junit.jupiter.api.Test;

/**
 * ECDH in every mode, Verify stored/external/validate/invalidate with and without the MAC,
 * SecureBoot.
 */
class EcdhVerifySecureBootTest {
    private static final byte[] NUM_IN = Hex.parse("000102030405060708090A0B0C0D0E0F10111213");

    private static int statusOf(Runnable r) {
        try {
            r.run();
            return 0;
        } catch (ChipStatusException e) {
            return e.status().code();
        }
    }

    private static byte[] softwareEcdh(KeyPair mine, byte[] peerRaw) throws Exception {
        KeyAgreement ka = KeyAgreement.getInstance("ECDH");
        ka.init(mine.getPrivate());
        ka.doPhase(EcKeys.publicKey(peerRaw), true);
        return ka.generateSecret();
    }

    private static byte[] softwareSign(KeyPair kp, byte[] digest) throws Exception {
        Signature s = Signature.getInstance("NONEwithECDSA");
        s.initSign(kp.getPrivate());
        s.update(digest);
        return EcKeys.derToRaw(s.sign());
    }

    @Test
    void ecdhModesAgreeWithSoftwareEcdh() throws Exception {
        Setup s = FullChips.personalized();
        CryptoChip chip = s.chip();
        KeyPair peer = FullChips.p256();
        byte[] peerRaw = FullChips.raw(peer);
        byte[] expected = softwareEcdh(peer, chip.publicKey(0));
        // output buffer in clear, and encrypted with the IO protection key
        assertThat(chip.ecdh(0x0C, 0, peerRaw).data()).containsExactly(expected);
        CryptoChip.Output enc = chip.ecdh(0x0E, 0, peerRaw);
        assertThat(enc.outNonce()).hasSize(32);
        assertThat(enc.data()).isNotEqualTo(expected);
        assertThat(enc.clear(FullChips.IO_KEY)).containsExactly(expected);
        assertThat(chip.ecdhEncrypted(0, peerRaw, FullChips.IO_KEY)).containsExactly(expected);
        // into TempKey (SourceFlag random), proven by a MAC over TempKey
        assertThat(chip.ecdh(0x08, 0, peerRaw).data()).isEmpty();
        assertThat(chip.mac(0x01, 7, null))
                .containsExactly(
                        HostCrypto.mac(
                                0x01, 7, FullChips.PARENT_KEY, expected, new byte[64], s.sn()));
        // into slot N|1 (mode 0x04), and the 508A-compatible mode with ReadKey bit 3
        chip.ecdh(0x04, 2, peerRaw);
        assertThat(Arrays.copyOf(chip.readSlot(3), 32))
                .containsExactly(softwareEcdh(peer, chip.publicKey(2)));
        KeyPair other = FullChips.p256();
        chip.ecdh(0x00, 2, FullChips.raw(other));
        assertThat(Arrays.copyOf(chip.readSlot(3), 32))
                .containsExactly(softwareEcdh(other, chip.publicKey(2)));
        // from a private key GenKey put in TempKey (an ephemeral key), output in clear
        byte[] ephemeralPub = chip.genKeyInTempKey();
        assertThat(chip.ecdh(0x0D, 0, peerRaw).data())
                .containsExactly(softwareEcdh(peer, ephemeralPub));
        assertThat(statusOf(() -> chip.ecdh(0x04, 3, peerRaw)))
                .as("slot 3 is no private key")
                .isEqualTo(0x0F);
        assertThat(statusOf(() -> chip.ecdh(0x0C, 1, peerRaw)))
                .as("ECDH not enabled for slot 1")
                .isEqualTo(0x0F);
        assertThat(statusOf(() -> chip.ecdh(0x1C, 0, peerRaw))).isEqualTo(0x03);
    }

    @Test
    void ecdhProtectionBitsForbidTheClearOutput() throws Exception {
        CryptoChip chip = FullChips.personalized(0x4006 | 0x0100, 0).chip();
        byte[] peerRaw = FullChips.raw(FullChips.p256());
        assertThat(statusOf(() -> chip.ecdh(0x0C, 0, peerRaw))).isEqualTo(0x0F);
        assertThat(chip.ecdh(0x0E, 0, peerRaw).outNonce()).hasSize(32);
        CryptoChip storeOnly = FullChips.personalized(0x4006 | 0x0200, 0).chip();
        assertThat(statusOf(() -> storeOnly.ecdh(0x0E, 0, peerRaw))).isEqualTo(0x0F);
        storeOnly.ecdh(0x08, 0, peerRaw);
        CryptoChip noIoKey = FullChips.personalized(0x0004, 0).chip();
        assertThat(statusOf(() -> noIoKey.ecdh(0x0E, 0, peerRaw)))
                .as("no IO protection key")
                .isEqualTo(0x0F);
    }

    @Test
    void verifyWithTheMacResultProvesTheOutcome() throws Exception {
        Setup s = FullChips.personalized();
        CryptoChip chip = s.chip();
        byte[] digest = HostCrypto.sha256("firmware".getBytes());
        byte[] sig = softwareSign(s.authority(), digest);
        byte[] nonce = HostCrypto.sha256("system nonce".getBytes());
        assertThat(
                        chip.verifyExternalMac(
                                digest, sig, FullChips.raw(s.authority()), nonce, FullChips.IO_KEY))
                .isTrue();
        assertThat(chip.verifyStoredMac(digest, sig, 11, nonce, FullChips.IO_KEY)).isTrue();
        byte[] other = HostCrypto.sha256("other".getBytes());
        assertThat(
                        chip.verifyExternalMac(
                                other, sig, FullChips.raw(s.authority()), nonce, FullChips.IO_KEY))
                .isFalse();
        assertThat(
                        chip.verifyStoredMac(
                                digest,
                                sig,
                                11,
                                nonce,
                                HostCrypto.sha256("not the io key".getBytes())))
                .isFalse();
        // plain modes, and the message from TempKey with the MAC's system nonce from the digest
        // buffer
        assertThat(chip.verifyStored(digest, sig, 11)).isTrue();
        chip.nonceLoad(0x40, Arrays.copyOf(nonce, 64));
        chip.nonceLoad(digest);
        byte[] mac = chip.execute(Opcode.VERIFY, 0x80, 11, sig);
        assertThat(mac)
                .containsExactly(
                        HostCrypto.verifyMac(FullChips.IO_KEY, digest, nonce, sig, 0x80, 11));
    }

    @Test
    void validateAndInvalidateAPublicKeyWithItsAuthority() throws Exception {
        Setup s = FullChips.personalized();
        CryptoChip chip = s.chip();
        byte[] digest = HostCrypto.sha256("signed by the PubInfo key".getBytes());
        byte[] sig = softwareSign(s.pubInfoKey(), digest);
        assertThat(chip.keyValid(12)).isFalse();
        assertThat(statusOf(() -> chip.verifyStored(digest, sig, 12)))
                .as("not validated yet")
                .isEqualTo(0x0F);
        // the authority signs the validation message built from the GenKey digest of slot 12
        byte[] validationSig = validationSignature(s, chip, false);
        assertThat(chip.verifyValidate(12, validationSig, otherData(s, chip, false), false))
                .isTrue();
        assertThat(chip.keyValid(12)).isTrue();
        assertThat(validity(chip)).as("upper four bits of the slot").isEqualTo(0x5);
        assertThat(chip.verifyStored(digest, sig, 12)).isTrue();
        // the validated key cannot be overwritten; after Invalidate it can (WriteConfig PubInvalid)
        assertThat(statusOf(() -> chip.writePublicKey(12, FullChips.raw(FullChips.p256()))))
                .isEqualTo(0x0F);
        byte[] invalidation = validationSignature(s, chip, true);
        assertThat(chip.verifyValidate(12, invalidation, otherData(s, chip, true), true)).isTrue();
        assertThat(chip.keyValid(12)).isFalse();
        assertThat(statusOf(() -> chip.verifyStored(digest, sig, 12))).isEqualTo(0x0F);
        chip.writePublicKey(12, FullChips.raw(FullChips.p256()));
        assertThat(validity(chip)).as("a written key starts invalid").isEqualTo(0xA);
        // a signature from another key does not validate
        chip.genKeyPublicDigest(12, new byte[] {0x40, 0x10, 0x0C});
        assertThat(
                        chip.verifyValidate(
                                12,
                                softwareSign(FullChips.p256(), HostCrypto.sha256(new byte[1])),
                                otherData(s, chip, false),
                                false))
                .isFalse();
    }

    private static int validity(CryptoChip chip) {
        return (chip.read(Zone.DATA, Zone.dataAddress(12, 0, 0), false)[0] & 0xFF) >>> 4;
    }

    /**
     * Host side of validation: TempKey = GenKey digest of slot 12 (mode-0x10 OtherData), message as
     * Sign(Internal) builds it.
     */
    private static byte[] validationSignature(Setup s, CryptoChip chip, boolean invalidate)
            throws Exception {
        CryptoChip.Nonce n = chip.nonceRandom(NUM_IN);
        byte[] other3 = {0x40, 0x10, 0x0C};
        chip.genKeyPublicDigest(12, other3);
        byte[] pub = publicKeyOfSlot12(chip);
        byte[] tk =
                HostCrypto.genKeyDigest(
                        n.tempKey(),
                        other3[0] & 0xFF,
                        (other3[1] & 0xFF) | (other3[2] & 0xFF) << 8,
                        s.sn(),
                        pub);
        byte[] digest = HostCrypto.validationDigest(tk, otherData(s, chip, invalidate), s.sn());
        // the same digest a signing chip's Sign(Internal) would sign over this TempKey
        ConfigZone c = new ConfigZone(s.emulator().configBytes());
        byte[] msg =
                HostCrypto.signInternalMessage(
                        tk,
                        0x00,
                        0,
                        c.slotConfig(12).value(),
                        c.keyConfig(12).value(),
                        HostCrypto.tempKeyFlags(12, false, false, true, false),
                        s.sn(),
                        c.slotLocked(12),
                        invalidate);
        assertThat(HostCrypto.sha256(msg)).containsExactly(digest);
        return softwareSign(s.authority(), digest);
    }

    private static byte[] otherData(Setup s, CryptoChip chip, boolean invalidate) {
        ConfigZone c = new ConfigZone(s.emulator().configBytes());
        int flags = HostCrypto.tempKeyFlags(12, false, false, true, false);
        byte[] msg =
                HostCrypto.signInternalMessage(
                        new byte[32],
                        0x00,
                        0,
                        c.slotConfig(12).value(),
                        c.keyConfig(12).value(),
                        flags,
                        s.sn(),
                        c.slotLocked(12),
                        invalidate);
        return HostCrypto.validationOtherData(msg);
    }

    private static byte[] publicKeyOfSlot12(CryptoChip chip) {
        byte[] slot = chip.readSlot(12);
        byte[] pub = new byte[64];
        System.arraycopy(slot, 4, pub, 0, 32);
        System.arraycopy(slot, 40, pub, 32, 32);
        return pub;
    }

    @Test
    void secureBootFullCopyThenStoredDigest() throws Exception {
        Setup s = FullChips.personalized();
        CryptoChip chip = s.chip();
        byte[] image = new byte[256];
        for (int i = 0; i < image.length; i++) image[i] = (byte) (i % 16);
        byte[] digest = HostCrypto.sha256(image);
        byte[] sig = softwareSign(s.authority(), digest);
        assertThat(chip.secureBoot(0x05, digest, sig)).isTrue();
        assertThat(chip.persistentLatch()).as("SecureBootPersistentEnable sets the latch").isTrue();
        byte[] tampered = digest.clone();
        tampered[0] ^= 1;
        assertThat(chip.secureBoot(0x05, tampered, sig)).isFalse();
        // FullStore needs the stored digest, which FullCopy writes after a full verification
        assertThat(chip.secureBoot(0x06, digest, null)).isFalse();
        assertThat(chip.secureBoot(0x07, digest, sig)).isTrue();
        assertThat(Arrays.copyOf(chip.readSlot(8), 32)).containsExactly(digest);
        assertThat(chip.secureBoot(0x06, digest, null)).isTrue();
        assertThat(chip.secureBoot(0x06, tampered, null)).isFalse();
        // encrypted digest with the IO protection key and the MAC answer (random nonce required by
        // config)
        assertThat(
                        chip.secureBootMac(
                                0x05, digest, sig, NUM_IN, FullChips.IO_KEY, FullChips.SECURE_BOOT))
                .isTrue();
        assertThat(
                        chip.secureBootMac(
                                0x06,
                                digest,
                                null,
                                NUM_IN,
                                FullChips.IO_KEY,
                                FullChips.SECURE_BOOT))
                .isTrue();
        assertThat(
                        chip.secureBootMac(
                                0x06,
                                tampered,
                                null,
                                NUM_IN,
                                FullChips.IO_KEY,
                                FullChips.SECURE_BOOT))
                .isFalse();
        assertThat(
                        chip.secureBootMac(
                                0x05,
                                digest,
                                sig,
                                NUM_IN,
                                HostCrypto.sha256(new byte[3]),
                                FullChips.SECURE_BOOT))
                .isFalse();
        chip.nonceLoad(HostCrypto.sha256(new byte[2]));
        assertThat(
                        statusOf(
                                () ->
                                        chip.execute(
                                                Opcode.SECUREBOOT,
                                                0x85,
                                                0,
                                                CryptoChip.concat(digest, sig))))
                .as("SecureBootRandNonce refuses a pass-through nonce")
                .isEqualTo(0x0F);
        // the prohibit flag: this command runs, later ones fail until the power is cycled
        assertThat(chip.secureBoot(0x45, digest, sig)).isTrue();
        assertThat(statusOf(() -> chip.secureBoot(0x05, digest, sig))).isEqualTo(0x0F);
        s.emulator().powerCycle();
        assertThat(chip.persistentLatch()).isFalse();
        assertThat(chip.secureBoot(0x05, digest, sig)).isTrue();
        assertThat(statusOf(() -> chip.execute(Opcode.SECUREBOOT, 0x04, 0, digest)))
                .isEqualTo(0x03);
    }
}
