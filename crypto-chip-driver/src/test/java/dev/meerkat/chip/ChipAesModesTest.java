package dev.meerkat.chip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Host-side AES-GCM and AES-CCM on the chip's AES-ECB and GFM, against the NIST examples. */
class ChipAesModesTest {

    @Test
    void gcmMatchesTheGcmSpecTestCases3And4() {
        CryptoChip chip = FullChips.personalized().chip();
        chip.nonceLoad(Arrays.copyOf(Hex.parse("FEFFE9928665731C6D6A8F9467308308"), 32));
        ChipAesModes gcm = new ChipAesModes(chip, 0xFFFF, 0);
        byte[] iv = Hex.parse("CAFEBABEFACEDBADDECAF888");
        byte[] p =
                Hex.parse(
                        "D9313225F88406E5A55909C5AFF5269A86A7A9531534F7DA2E4C303D8A318A721C3C0C95956809532FCF0E2449A6B525"
                                + "B16AEDF5AA0DE657BA637B39");
        byte[] c =
                Hex.parse(
                        "42831EC2217774244B7221B784D0D49CE3AA212F2C02A4E035C17E2329ACA12E21D514B25466931C7D8F6A5AAC84AA05"
                                + "1BA30B396A0AAC973D58E091");
        byte[] aad = Hex.parse("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
        ChipAesModes.Sealed s = gcm.gcmEncrypt(iv, aad, p, 16);
        assertThat(s.ciphertext()).containsExactly(c);
        assertThat(s.tag()).containsExactly(Hex.parse("5BC94FBC3221A5DB94FAE95AE7121A47"));
        assertThat(gcm.gcmDecrypt(iv, aad, c, s.tag())).containsExactly(p);
        byte[] bad = s.tag().clone();
        bad[15] ^= 1;
        assertThatThrownBy(() -> gcm.gcmDecrypt(iv, aad, c, bad))
                .hasMessageContaining("tag mismatch");
    }

    @Test
    void ccmMatchesSp80038cExample2WithTheKeyInASlot() {
        // key of example 2 written to an AES slot of a test chip before its data lock
        TestChips.Pair pair = TestChips.configLocked(DeviceType.ATECC608);
        pair.chip().writeSlot(9, Arrays.copyOf(Hex.parse("404142434445464748494A4B4C4D4E4F"), 32));
        pair.chip().lockData(Crc16.compute(pair.emulator().dataZoneImage()));
        ChipAesModes ccm = new ChipAesModes(pair.chip(), 9, 0);
        byte[] nonce = Hex.parse("1011121314151617");
        byte[] aad = Hex.parse("000102030405060708090A0B0C0D0E0F");
        byte[] p = Hex.parse("202122232425262728292A2B2C2D2E2F");
        ChipAesModes.Sealed s = ccm.ccmEncrypt(nonce, aad, p, 6);
        assertThat(s.ciphertext()).containsExactly(Hex.parse("D2A1F0E051EA5F62081A7792073D593D"));
        assertThat(s.tag()).containsExactly(Hex.parse("1FC64FBFACCD"));
        assertThat(ccm.ccmDecrypt(nonce, aad, s.ciphertext(), s.tag())).containsExactly(p);
        assertThatThrownBy(() -> ccm.ccmDecrypt(nonce, new byte[1], s.ciphertext(), s.tag()))
                .hasMessageContaining("tag mismatch");
    }
}
