package dev.meerkat.chip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.chip.FullChips.Setup;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** SHA (all modes), HMAC, AES (ECB, GFM) and KDF (PRF, HKDF, AES) against public vectors. */
class ShaAesKdfTest {
    private static int statusOf(Runnable r) {
        try {
            r.run();
            return 0;
        } catch (ChipStatusException e) {
            return e.status().code();
        }
    }

    @Test
    void sha256MatchesTheFips180Vectors() {
        CryptoChip chip = FullChips.personalized().chip();
        assertThat(chip.sha256("abc".getBytes()))
                .containsExactly(
                        Hex.parse(
                                "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
        assertThat(chip.sha256(new byte[0]))
                .containsExactly(
                        Hex.parse(
                                "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
        assertThat(
                        chip.sha256(
                                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
                                        .getBytes()))
                .containsExactly(
                        Hex.parse(
                                "248D6A61D20638B8E5C026930C3E6039A33CE45964FF2167F6ECEDD419DB06C1"));
    }

    @Test
    void shaContextIsSavedAndRestoredAcrossAnotherComputation() {
        CryptoChip chip = FullChips.personalized().chip();
        byte[] message = new byte[64 * 3 + 10];
        for (int i = 0; i < message.length; i++) message[i] = (byte) i;
        chip.shaStart();
        chip.shaUpdate(Arrays.copyOfRange(message, 0, 64));
        byte[] context = chip.shaReadContext();
        assertThat(context.length).isBetween(36, 99);
        // another digest in between destroys the running context...
        assertThat(chip.sha256("abc".getBytes())).hasSize(32);
        // ...which the saved context restores
        chip.shaWriteContext(context);
        chip.shaUpdate(Arrays.copyOfRange(message, 64, 128));
        chip.shaUpdate(Arrays.copyOfRange(message, 128, 192));
        byte[] digest = chip.shaEnd(0xC0, Arrays.copyOfRange(message, 192, message.length));
        assertThat(digest).containsExactly(HostCrypto.sha256(message));
        assertThat(statusOf(() -> chip.shaWriteContext(new byte[37])))
                .as("length field disagrees")
                .isEqualTo(0x03);
        chip.hmac(7, "x".getBytes(), 0xC0);
        chip.execute(Opcode.SHA, 0x04, 7, null);
        assertThat(statusOf(chip::shaReadContext))
                .as("HMAC contexts are not readable")
                .isEqualTo(0x0F);
    }

    @Test
    void shaEndTargetsAndThePublicKeyMode() {
        Setup s = FullChips.personalized();
        CryptoChip chip = s.chip();
        byte[] digest = HostCrypto.sha256("abc".getBytes());
        // End into the message digest buffer: Sign(digest buffer) signs it
        chip.shaStart();
        assertThat(chip.shaEnd(0x40, "abc".getBytes())).containsExactly(digest);
        assertThat(chip.verifyExternal(digest, chip.signDigestBuffer(0), chip.publicKey(0)))
                .isTrue();
        // End into TempKey (SourceFlag input): MAC over TempKey proves it
        chip.shaStart();
        chip.shaEnd(0x00, "abc".getBytes());
        assertThat(chip.mac(0x05, 7, null))
                .containsExactly(
                        HostCrypto.mac(
                                0x05, 7, FullChips.PARENT_KEY, digest, new byte[64], s.sn()));
        // mode 3 adds the 64-byte public key of a slot
        chip.shaStart();
        chip.shaPublicKey(11);
        assertThat(chip.shaEnd(0xC0, new byte[0]))
                .containsExactly(HostCrypto.sha256(FullChips.raw(s.authority())));
        chip.shaStart();
        chip.shaPublicKey(0);
        assertThat(chip.shaEnd(0xC0, new byte[0]))
                .containsExactly(HostCrypto.sha256(chip.publicKey(0)));
    }

    @Test
    void hmacMatchesRfc4231WithKeysInASlotAndInTempKey() {
        CryptoChip chip = FullChips.personalized().chip();
        // RFC 4231 test case 2: key "Jefe" (HMAC pads keys with zeros to the block size, as a slot
        // does)
        byte[] expected =
                Hex.parse("5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843");
        chip.nonceLoad(Arrays.copyOf("Jefe".getBytes(), 32));
        assertThat(chip.hmac(0xFFFF, "what do ya want for nothing?".getBytes(), 0xC0))
                .containsExactly(expected);
        // test case 1: key 20 x 0x0b, "Hi There"
        chip.nonceLoad(Arrays.copyOf(Hex.parse("0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B"), 32));
        assertThat(chip.hmac(0xFFFF, "Hi There".getBytes(), 0xC0))
                .containsExactly(
                        Hex.parse(
                                "B0344C61D8DB38535CA8AFCEAF0BF12B881DC200C9833DA726E9376C2E32CFF7"));
        // test case 3: 20 x 0xaa, 50 x 0xdd (crosses no block), with a slot key equal to the host's
        byte[] msg = new byte[50];
        Arrays.fill(msg, (byte) 0xDD);
        chip.nonceLoad(Arrays.copyOf(Hex.parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 32));
        assertThat(chip.hmac(0xFFFF, msg, 0xC0))
                .containsExactly(
                        Hex.parse(
                                "773EA91E36800E46854DB8EBD09181A72959098B3EF8C122D9635514CED565FE"));
        byte[] long200 = new byte[200];
        assertThat(chip.hmac(7, long200, 0xC0))
                .containsExactly(HostCrypto.hmacSha256(FullChips.PARENT_KEY, long200));
    }

    @Test
    void aesEcbMatchesFips197AndSp80038a() {
        Setup s = FullChips.personalized();
        CryptoChip chip = s.chip();
        // SP 800-38A F.1.1 ECB-AES128 with the key in slot 9
        byte[] pt = Hex.parse("6BC1BEE22E409F96E93D7E117393172A");
        byte[] ct = Hex.parse("3AD77BB40D7A3660A89ECAF32466EF97");
        assertThat(chip.aesEncrypt(9, 0, pt)).containsExactly(ct);
        assertThat(chip.aesDecrypt(9, 0, ct)).containsExactly(pt);
        // FIPS-197 C.1 with the key in TempKey
        chip.nonceLoad(Arrays.copyOf(Hex.parse("000102030405060708090A0B0C0D0E0F"), 32));
        assertThat(chip.aesEncrypt(0xFFFF, 0, Hex.parse("00112233445566778899AABBCCDDEEFF")))
                .containsExactly(Hex.parse("69C4E0D86A7B0430D8CDB78070B4C55A"));
        assertThat(statusOf(() -> chip.aesEncrypt(7, 0, pt))).as("not an AES slot").isEqualTo(0x0F);
        assertThat(statusOf(() -> chip.execute(Opcode.AES, 0x02, 9, pt))).isEqualTo(0x03);
    }

    @Test
    void gfmComputesGhashOfTheGcmSpecTestCase2() {
        CryptoChip chip = FullChips.personalized().chip();
        // GCM spec test case 2: K = 0, P = 0^16, IV = 0^12; H = E_K(0); tag = E_K(J0) xor GHASH(C,
        // len)
        chip.nonceLoad(new byte[32]);
        byte[] h = chip.aesEncrypt(0xFFFF, 0, new byte[16]);
        assertThat(h).containsExactly(Hex.parse("66E94BD4EF8A2C3B884CFA59CA342B2E"));
        byte[] c = Hex.parse("0388DACE60B6A392F328C2B971B2FE78");
        byte[] x = chip.aesGfm(h, c);
        byte[] lengths = Hex.parse("00000000000000000000000000000080");
        byte[] ghash = chip.aesGfm(h, HostCrypto.xor(x, lengths));
        byte[] j0 = Hex.parse("00000000000000000000000000000001");
        byte[] tag = HostCrypto.xor(chip.aesEncrypt(0xFFFF, 0, j0), ghash);
        assertThat(tag).containsExactly(Hex.parse("AB6E47D42CEC13BDF53A67B21257BDDF"));
    }

    private static final byte[] NONCE32 =
            Hex.parse("000102030405060708090A0B0C0D0E0F000102030405060708090A0B0C0D0E0F");
    private static final byte[] MSG16 = Hex.parse("000102030405060708090A0B0C0D0E0F");

    @Test
    void kdfPrfMatchesTheVectorOfAReal608AndTheTls12Prf() {
        CryptoChip chip = FullChips.personalized().chip();
        // cryptoauthlib's kdf_prf_output: 32-byte key in TempKey, 16-byte message, 64 bytes out
        byte[] expected =
                Hex.parse(
                        "1EBCBE62005AB948FDFFE1C402AABA354EC676050C9BC1AAE1FF5B1509A4A04A"
                                + "44254664C2A480F5B77EA2D1020C7BA4B3640C4AC793324C26D6FDDFDB1F011A");
        chip.nonceLoad(NONCE32);
        CryptoChip.Output out = chip.kdf(0x10, 0x1234, 0x0101, MSG16);
        assertThat(out.data()).containsExactly(expected);
        // the same from the RFC 5246 definition, computed with the JDK: A(1) = HMAC(k, m); out =
        // HMAC(k, A(i) || m)...
        byte[] a1 = HostCrypto.hmacSha256(NONCE32, MSG16);
        byte[] first = HostCrypto.hmacSha256(NONCE32, concat(a1, MSG16));
        assertThat(Arrays.copyOf(expected, 32)).containsExactly(first);
        // key from the alternate key buffer into TempKey, 16-byte key length, AEAD split (first
        // half to the target)
        chip.nonceLoad(0x80, NONCE32);
        CryptoChip.Output split = chip.kdf(0x03 | 0x00, 0, 0x0300, MSG16);
        byte[] prf16 = prf(Arrays.copyOf(NONCE32, 16), 64, MSG16);
        assertThat(split.data())
                .as("second half in the output buffer")
                .containsExactly(Arrays.copyOfRange(prf16, 32, 64));
    }

    private static byte[] prf(byte[] keyMaterial, int outLen, byte[] msg) {
        byte[] key = keyMaterial;
        byte[] out = new byte[0];
        byte[] a = msg;
        while (out.length < outLen) {
            a = HostCrypto.hmacSha256(key, a);
            out = concat(out, HostCrypto.hmacSha256(key, concat(a, msg)));
        }
        return Arrays.copyOf(out, outLen);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void kdfHkdfComputesRfc5869TestCase1() {
        CryptoChip chip = FullChips.personalized().chip();
        byte[] ikm = new byte[22];
        Arrays.fill(ikm, (byte) 0x0B);
        byte[] salt = Hex.parse("000102030405060708090A0B0C");
        byte[] info = Hex.parse("F0F1F2F3F4F5F6F7F8F9");
        byte[] okm =
                Hex.parse(
                        "3CB25F25FAACD57A90434F64D0362F2A2D2D0A90CF1A5A4C5DB02D56ECC4C5BF34007208D5B887185865");
        // Extract: salt as key (zero padded, as HMAC pads it), IKM as message; PRK stays in the
        // alternate key buffer
        chip.nonceLoad(0x80, Arrays.copyOf(salt, 32));
        chip.kdf(0x40 | 0x0C | 0x03, 0, 0x02, ikm);
        // Expand: T(1) = HMAC(PRK, info || 01), T(2) = HMAC(PRK, T(1) || info || 02)
        byte[] t1 = chip.kdf(0x40 | 0x10 | 0x03, 0, 0x02, concat(info, new byte[] {1})).data();
        byte[] t2 =
                chip.kdf(0x40 | 0x10 | 0x03, 0, 0x02, concat(concat(t1, info), new byte[] {2}))
                        .data();
        assertThat(concat(t1, Arrays.copyOf(t2, 10))).containsExactly(okm);
        // the KDF IV function checks KdfIvStr ("iv") at KdfIvLoc (9)
        chip.nonceLoad(NONCE32);
        byte[] iv = Hex.parse("00010203040506070869760B0C0D0E0F000102030405060708090A0B0C0D0E0F");
        assertThat(chip.kdf(0x40 | 0x10, 0, 0x03, iv).data())
                .containsExactly(HostCrypto.hmacSha256(NONCE32, iv));
        chip.nonceLoad(NONCE32);
        assertThat(statusOf(() -> chip.kdf(0x40 | 0x10, 0, 0x03, NONCE32))).isEqualTo(0x0F);
        // zero key flag
        chip.nonceLoad(NONCE32);
        assertThat(chip.kdf(0x40 | 0x10, 0, 0x06, MSG16).data())
                .containsExactly(HostCrypto.hmacSha256(new byte[32], MSG16));
    }

    @Test
    void kdfHkdfReadsTheMessageFromASlotRfc5869TestCase3() {
        CryptoChip chip = FullChips.personalized().chip();
        // RFC 5869 case 3: IKM 22 x 0B, no salt (the zero key flag), no info
        byte[] ikm = new byte[22];
        Arrays.fill(ikm, (byte) 0x0B);
        chip.writeSlot(8, Arrays.copyOf(ikm, 32));
        byte[] prk = Hex.parse("19EF24A32C717B167F33A91D6F648BDF96596776AFDB6377AC434C1C293CCB04");
        byte[] okm =
                Hex.parse(
                        "8DA4E775A563C18F715F802A063C5A31B8A11F5C5EE1879EC3454E5F3C738D2D9D201395FAA4B61A96C8");
        // Extract: message location 0 (slot), slot 8 in details bits 8-11, 22 bytes; the input
        // bytes only carry the length
        chip.nonceLoad(NONCE32);
        assertThat(chip.kdf(0x40 | 0x10, 0, 0x0804, new byte[22]).data()).containsExactly(prk);
        chip.nonceLoad(0x80, prk);
        byte[] t1 = chip.kdf(0x40 | 0x10 | 0x03, 0, 0x02, new byte[] {1}).data();
        byte[] t2 = chip.kdf(0x40 | 0x10 | 0x03, 0, 0x02, concat(t1, new byte[] {2})).data();
        assertThat(concat(t1, Arrays.copyOf(t2, 10))).containsExactly(okm);
        // a private key is never a message; a message longer than its slot is a parse error
        chip.nonceLoad(NONCE32);
        assertThat(statusOf(() -> chip.kdf(0x40 | 0x10, 0, 0x0004, new byte[22]))).isEqualTo(0x0F);
        chip.nonceLoad(NONCE32);
        assertThat(statusOf(() -> chip.kdf(0x40 | 0x10, 0, 0x0304, new byte[37]))).isEqualTo(0x03);
    }

    @Test
    void kdfAesAndTheOutputTargets() {
        Setup s = FullChips.personalized();
        CryptoChip chip = s.chip();
        // cryptoauthlib's kdf_aes_output vector: AES-128 of 00..0F under 00..0F, zero padded to 32
        // bytes
        chip.nonceLoad(NONCE32);
        assertThat(chip.kdf(0x20 | 0x10, 0x1234, 0, MSG16).data())
                .containsExactly(
                        Hex.parse(
                                "0A940BB5416EF045F1C39458C653EA5A00000000000000000000000000000000"));
        // encrypted output decrypts (atcah_io_decrypt) to the clear output
        chip.nonceLoad(NONCE32);
        byte[] clear = chip.kdf(0x00 | 0x10, 0, 0x0001, MSG16).data();
        chip.nonceLoad(NONCE32);
        CryptoChip.Output enc = chip.kdf(0x00 | 0x14, 0, 0x0001, MSG16);
        assertThat(enc.data()).isNotEqualTo(clear);
        assertThat(enc.clear(FullChips.IO_KEY)).containsExactly(clear);
        // into slot 5 (keyId = target << 8), proven by a MAC with slot 5
        chip.nonceLoad(NONCE32);
        assertThat(chip.kdf(0x40 | 0x08, 0x0500, 0x02, MSG16).data()).isEmpty();
        byte[] derived = HostCrypto.hmacSha256(NONCE32, MSG16);
        byte[] challenge = HostCrypto.sha256("c".getBytes());
        assertThat(chip.mac(0x00, 5, challenge))
                .containsExactly(HostCrypto.mac(0x00, 5, derived, challenge, new byte[64], s.sn()));
        // from a slot key (keyId low byte), into TempKey (which keeps its SourceFlag: input)
        chip.kdf(0x40 | 0x00 | 0x02, 0x0007, 0x02, MSG16);
        assertThat(chip.mac(0x05, 7, null))
                .containsExactly(
                        HostCrypto.mac(
                                        0x05,
                                        7,
                                        FullChips.PARENT_KEY,
                                        HostCrypto.hmacSha256(FullChips.PARENT_KEY, MSG16),
                                        new byte[64],
                                        s.sn())
                                .clone());
        // slots whose WriteConfig forbids it, and private keys, are refused
        chip.nonceLoad(NONCE32);
        assertThat(statusOf(() -> chip.kdf(0x40 | 0x08, 0x0700, 0x02, MSG16))).isEqualTo(0x0F);
        assertThat(statusOf(() -> chip.kdf(0x40 | 0x10 | 0x02, 0x0000, 0x02, MSG16)))
                .isEqualTo(0x0F);
    }

    @Test
    void kdfProtectionBitsRestrictTheOutputBuffer() {
        CryptoChip chip = FullChips.personalized(0x4006 | 0x0400, 0).chip();
        chip.nonceLoad(NONCE32);
        assertThat(statusOf(() -> chip.kdf(0x40 | 0x10, 0, 0x02, MSG16)))
                .as("clear output refused")
                .isEqualTo(0x0F);
        chip.nonceLoad(NONCE32);
        assertThat(chip.kdf(0x40 | 0x14, 0, 0x02, MSG16).clear(FullChips.IO_KEY))
                .containsExactly(HostCrypto.hmacSha256(NONCE32, MSG16));
        CryptoChip storeOnly = FullChips.personalized(0x4006 | 0x0800, 0).chip();
        storeOnly.nonceLoad(NONCE32);
        assertThat(statusOf(() -> storeOnly.kdf(0x40 | 0x14, 0, 0x02, MSG16))).isEqualTo(0x0F);
        storeOnly.nonceLoad(NONCE32);
        assertThat(storeOnly.kdf(0x40 | 0x0C, 0, 0x02, MSG16).data()).isEmpty();
        CryptoChip noAes = FullChips.personalized(0x4002, 0).chip();
        noAes.nonceLoad(NONCE32);
        assertThat(statusOf(() -> noAes.kdf(0x20 | 0x10, 0, 0, MSG16)))
                .as("KdfAesEnable clear")
                .isEqualTo(0x0F);
    }
}
