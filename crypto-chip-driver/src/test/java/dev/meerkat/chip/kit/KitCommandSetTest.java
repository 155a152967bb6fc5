package dev.meerkat.chip.kit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.chip.CryptoChip;
import dev.meerkat.chip.DeviceType;
import dev.meerkat.chip.FullChipsAccess;
import dev.meerkat.chip.HostCrypto;
import dev.meerkat.chip.Zone;
import dev.meerkat.chip.emulator.EmulatedChip;
import dev.meerkat.chip.emulator.TimingModel;
import dev.meerkat.chip.jca.EcKeys;
import java.net.InetAddress;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Every command group of the 608 through the kit protocol over TCP, with the emulator keeping the
 * datasheet execution times and watchdog: discovery and selection as cryptoauthlib's kit HAL does
 * them, then each command as the host library sends it (wake, talk, idle).
 */
class KitCommandSetTest {

    @Test
    void everyCommandGroupThroughTheKitProtocol() throws Exception {
        EmulatedChip emu = FullChipsAccess.newChip();
        emu.timing(TimingModel.DATASHEET);
        try (KitProtocolServer server =
                        new KitProtocolServer(emu, InetAddress.getLoopbackAddress(), 0, null);
                KitClientTransport kit =
                        KitClientTransport.connect(
                                "127.0.0.1", server.port(), DeviceType.ATECC608)) {
            CryptoChip chip =
                    new CryptoChip(kit, DeviceType.ATECC608, 3, CryptoChip.Wait.POLL, ms -> {});
            FullChipsAccess.Keys k = FullChipsAccess.personalize(emu, chip);
            byte[] sn = chip.serialNumber();
            byte[] challenge = HostCrypto.sha256("kit".getBytes());
            // Info, Random, Nonce, GenDig, MAC, CheckMac
            assertThat(chip.info()).containsExactly(0x00, 0x00, 0x60, 0x02);
            assertThat(chip.random()).hasSize(32);
            CryptoChip.Nonce n = chip.nonceRandom(new byte[20]);
            chip.genDig(Zone.DATA, 7, null);
            byte[] tk = HostCrypto.genDig(k.parentKey(), Zone.DATA, 7, sn, n.tempKey());
            assertThat(chip.mac(0x01, 7, null))
                    .containsExactly(HostCrypto.mac(0x01, 7, k.parentKey(), tk, new byte[64], sn));
            byte[] other = new byte[13];
            assertThat(
                            chip.checkMac(
                                    0,
                                    7,
                                    challenge,
                                    HostCrypto.checkMacResponse(
                                            k.parentKey(), challenge, other, null, sn),
                                    other))
                    .isTrue();
            // SHA with context, HMAC, AES ECB and GFM
            assertThat(chip.sha256("abc".getBytes()))
                    .containsExactly(HostCrypto.sha256("abc".getBytes()));
            chip.shaStart();
            byte[] ctx = chip.shaReadContext();
            chip.shaWriteContext(ctx);
            assertThat(chip.shaEnd(0xC0, new byte[0]))
                    .containsExactly(HostCrypto.sha256(new byte[0]));
            assertThat(chip.hmac(7, challenge, 0xC0))
                    .containsExactly(HostCrypto.hmacSha256(k.parentKey(), challenge));
            byte[] block = Arrays.copyOf(challenge, 16);
            assertThat(chip.aesDecrypt(9, 0, chip.aesEncrypt(9, 0, block))).containsExactly(block);
            assertThat(chip.aesGfm(block, new byte[16])).containsExactly(new byte[16]);
            // KDF and DeriveKey
            chip.nonceLoad(challenge);
            assertThat(chip.kdf(0x40 | 0x14, 0, 0x02, block).clear(k.ioKey()))
                    .containsExactly(HostCrypto.hmacSha256(challenge, block));
            CryptoChip.Nonce n2 = chip.nonceRandom(new byte[20]);
            chip.deriveKey(0, 5, null);
            byte[] rolled = HostCrypto.deriveKey(k.rollKey(), 0, 5, sn, n2.tempKey());
            assertThat(chip.mac(0, 5, challenge))
                    .containsExactly(HostCrypto.mac(0, 5, rolled, challenge, new byte[64], sn));
            // GenKey, Sign, Verify (with MAC), ECDH encrypted, SecureBoot with MAC
            byte[] pub = chip.publicKey(0);
            byte[] digest = HostCrypto.sha256("image".getBytes());
            byte[] sig = chip.sign(0, digest);
            assertThat(chip.verifyExternalMac(digest, sig, pub, challenge, k.ioKey())).isTrue();
            KeyPair peer = FullChipsAccess.p256();
            javax.crypto.KeyAgreement ka = javax.crypto.KeyAgreement.getInstance("ECDH");
            ka.init(peer.getPrivate());
            ka.doPhase(EcKeys.publicKey(pub), true);
            assertThat(chip.ecdhEncrypted(0, FullChipsAccess.raw(peer), k.ioKey()))
                    .containsExactly(ka.generateSecret());
            Signature s = Signature.getInstance("NONEwithECDSA");
            s.initSign(k.authority().getPrivate());
            s.update(digest);
            byte[] bootSig = EcKeys.derToRaw(s.sign());
            assertThat(
                            chip.secureBootMac(
                                    0x07,
                                    digest,
                                    bootSig,
                                    new byte[20],
                                    k.ioKey(),
                                    FullChipsAccess.SECURE_BOOT))
                    .isTrue();
            assertThat(
                            chip.secureBootMac(
                                    0x06,
                                    digest,
                                    null,
                                    new byte[20],
                                    k.ioKey(),
                                    FullChipsAccess.SECURE_BOOT))
                    .isTrue();
            // Counter, UpdateExtra, SelfTest, Info latch
            long c0 = chip.counterRead(1);
            assertThat(chip.counterIncrement(1)).isEqualTo(c0 + 1);
            chip.updateExtra(0, 0x42);
            assertThat(chip.readConfigZone()[84]).isEqualTo((byte) 0x42);
            assertThat(chip.selfTest(0x3B)).isTrue();
            assertThat(chip.persistentLatch()).isTrue();
            // the datasheet time of every command was waited for, and nothing hit the watchdog
            assertThat(emu.chipMillis()).isGreaterThan(1000);
        }
    }
}
