package dev.meerkat.chip;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Host-side computations that mirror what the chip does internally, so the host can follow TempKey,
 * encrypt data for authenticated writes and compute the MACs those writes require.
 */
public final class HostCrypto {
    private HostCrypto() {}

    public static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) md.update(p);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Nonce in random mode: TempKey = SHA-256(RandOut || NumIn || 0x16 || mode || 0x00). */
    public static byte[] nonceTempKey(byte[] randOut, byte[] numIn, int mode) {
        return sha256(randOut, numIn, new byte[] {(byte) Opcode.NONCE, (byte) mode, 0});
    }

    /**
     * GenDig over a stored value (config block, OTP block or slot key): TempKey' =
     * SHA-256(value(32) || 0x15 || zone || keyId lo || keyId hi || SN[8] || SN[0:1] || 25 zeros ||
     * TempKey).
     */
    public static byte[] genDig(byte[] value32, int zone, int keyId, byte[] sn, byte[] tempKey) {
        return genDigMessage(
                value32, header(Opcode.GENDIG, zone, keyId), sn, new byte[25], tempKey);
    }

    /**
     * GenDig over a slot whose SlotConfig.NoMac is set: the opcode and parameters of the message
     * come from the four bytes of OtherData, so the resulting TempKey cannot be used for a MAC of
     * another command.
     */
    public static byte[] genDigNoMac(byte[] value32, byte[] otherData4, byte[] sn, byte[] tempKey) {
        return genDigMessage(value32, Arrays.copyOf(otherData4, 4), sn, new byte[25], tempKey);
    }

    /**
     * GenDig shared nonce (608, zone 3): the 32 bytes of OtherData and TempKey, in that order, or
     * swapped when keyId bit 15 is set; param2 MSB is replaced by zero in the message.
     */
    public static byte[] genDigSharedNonce(
            byte[] otherData32, int keyId, byte[] sn, byte[] tempKey) {
        boolean tempKeyFirst = (keyId & 0x8000) != 0;
        byte[] first = tempKeyFirst ? tempKey : otherData32;
        byte[] last = tempKeyFirst ? otherData32 : tempKey;
        return genDigMessage(first, header(Opcode.GENDIG, 3, keyId & 0xFF), sn, new byte[25], last);
    }

    /**
     * GenDig counter (608, zone 4): 32 zeros, header, SN, 0x00 || counter(4, little endian) || 20
     * zeros, TempKey.
     */
    public static byte[] genDigCounter(
            int counterId, long counterValue, byte[] sn, byte[] tempKey) {
        byte[] field = new byte[25];
        for (int i = 0; i < 4; i++) field[1 + i] = (byte) (counterValue >>> (8 * i));
        return genDigMessage(new byte[32], header(Opcode.GENDIG, 4, counterId), sn, field, tempKey);
    }

    /**
     * GenDig key config (608, zone 5): 32 zeros, header, SN, 0x00 || SlotConfig(2) || KeyConfig(2)
     * || SlotLocked byte (0x00 locked, 0x01 not) || 19 zeros, TempKey.
     */
    public static byte[] genDigKeyConfig(
            int slot,
            int slotConfig,
            int keyConfig,
            boolean slotLocked,
            byte[] sn,
            byte[] tempKey) {
        byte[] field = new byte[25];
        field[1] = (byte) slotConfig;
        field[2] = (byte) (slotConfig >>> 8);
        field[3] = (byte) keyConfig;
        field[4] = (byte) (keyConfig >>> 8);
        field[5] = (byte) (slotLocked ? 0 : 1);
        return genDigMessage(new byte[32], header(Opcode.GENDIG, 5, slot), sn, field, tempKey);
    }

    private static byte[] header(int opcode, int param1, int param2) {
        return new byte[] {(byte) opcode, (byte) param1, (byte) param2, (byte) (param2 >>> 8)};
    }

    private static byte[] genDigMessage(
            byte[] first32, byte[] header4, byte[] sn, byte[] field25, byte[] last32) {
        ByteArrayOutputStream m = new ByteArrayOutputStream(96);
        m.write(first32, 0, 32);
        m.write(header4, 0, 4);
        m.write(sn[8]);
        m.write(sn[0]);
        m.write(sn[1]);
        m.write(field25, 0, 25);
        m.write(last32, 0, 32);
        return sha256(m.toByteArray());
    }

    /**
     * XOR of {@code data} with {@code key} (key repeated is not allowed: data must not be longer).
     */
    public static byte[] xor(byte[] data, byte[] key) {
        byte[] out = new byte[data.length];
        for (int i = 0; i < data.length; i++) out[i] = (byte) (data[i] ^ key[i]);
        return out;
    }

    /**
     * MAC of an authenticated Write: SHA-256(TempKey || 0x12 || param1 || param2 lo || param2 hi ||
     * SN[8] || SN[0:1] || 25 zeros || plaintext(32)).
     */
    public static byte[] writeMac(
            byte[] tempKey, int param1, int param2, byte[] sn, byte[] plain32) {
        return authenticatedWriteMac(tempKey, Opcode.WRITE, param1, param2, sn, 25, plain32, 32);
    }

    /**
     * PrivWrite encryption: first 32 bytes XOR TempKey, last 4 XOR the start of SHA-256(TempKey).
     */
    public static byte[] privWriteEncrypt(byte[] plain36, byte[] tempKey) {
        byte[] k2 = sha256(Arrays.copyOf(tempKey, 32));
        byte[] out = new byte[36];
        for (int i = 0; i < 32; i++) out[i] = (byte) (plain36[i] ^ tempKey[i]);
        for (int i = 32; i < 36; i++) out[i] = (byte) (plain36[i] ^ k2[i - 32]);
        return out;
    }

    /**
     * MAC of an encrypted PrivWrite: SHA-256(TempKey || 0x46 || param1 || param2 lo || param2 hi ||
     * SN[8] || SN[0:1] || 21 zeros || plaintext(36)).
     */
    public static byte[] privWriteMac(
            byte[] tempKey, int param1, int param2, byte[] sn, byte[] plain36) {
        return authenticatedWriteMac(
                tempKey, Opcode.PRIVWRITE, param1, param2, sn, 21, plain36, 36);
    }

    /**
     * The MAC shared by Write and PrivWrite: TempKey, opcode, params, SN bytes, zero padding,
     * plaintext.
     */
    private static byte[] authenticatedWriteMac(
            byte[] tempKey,
            int opcode,
            int param1,
            int param2,
            byte[] sn,
            int zeros,
            byte[] plain,
            int plainLength) {
        ByteArrayOutputStream m = new ByteArrayOutputStream(96);
        m.write(tempKey, 0, 32);
        m.write(opcode);
        m.write(param1);
        m.write(param2 & 0xFF);
        m.write((param2 >>> 8) & 0xFF);
        m.write(sn[8]);
        m.write(sn[0]);
        m.write(sn[1]);
        m.writeBytes(new byte[zeros]);
        m.write(plain, 0, plainLength);
        return sha256(m.toByteArray());
    }

    /**
     * The 88-byte message of CheckMac/MAC: block1(32) || block2(32) || OtherData[0:4] || OTP[0:8]
     * or zeros || OtherData[4:7] || SN[8] || OtherData[7:11] || SN[0:1] || OtherData[11:13].
     */
    public static byte[] checkMacResponse(
            byte[] block1, byte[] block2, byte[] otherData13, byte[] otp8OrNull, byte[] sn) {
        byte[] msg = new byte[88];
        System.arraycopy(block1, 0, msg, 0, 32);
        System.arraycopy(block2, 0, msg, 32, 32);
        System.arraycopy(otherData13, 0, msg, 64, 4);
        if (otp8OrNull != null) System.arraycopy(otp8OrNull, 0, msg, 68, 8);
        System.arraycopy(otherData13, 4, msg, 76, 3);
        msg[79] = sn[8];
        System.arraycopy(otherData13, 7, msg, 80, 4);
        msg[84] = sn[0];
        msg[85] = sn[1];
        System.arraycopy(otherData13, 11, msg, 86, 2);
        return sha256(msg);
    }

    /**
     * TempKey flag byte as used in internal messages: keyId 0-3, SourceFlag 4, GenDigData 5,
     * GenKeyData 6, NoMacFlag 7.
     */
    public static int tempKeyFlags(
            int keyId, boolean sourceInput, boolean genDigData, boolean genKeyData, boolean noMac) {
        return (keyId & 0xF)
                | (sourceInput ? 0x10 : 0)
                | (genDigData ? 0x20 : 0)
                | (genKeyData ? 0x40 : 0)
                | (noMac ? 0x80 : 0);
    }

    /**
     * The 55-byte message Sign(Internal) signs (its SHA-256 is the signed digest): TempKey || 0x41
     * || mode || keyId(2) || SlotConfig[TempKey.keyId](2) || KeyConfig[TempKey.keyId](2) ||
     * TempKeyFlags || 2 zeros || SN[8] || SN[4:7] or zeros || SN[0:1] || SN[2:3] or zeros ||
     * SlotLocked bit || PubKey valid || 0.
     */
    public static byte[] signInternalMessage(
            byte[] tempKey,
            int mode,
            int keyId,
            int slotConfig,
            int keyConfig,
            int tempKeyFlags,
            byte[] sn,
            boolean slotLocked,
            boolean forInvalidate) {
        byte[] msg = new byte[55];
        System.arraycopy(tempKey, 0, msg, 0, 32);
        msg[32] = (byte) Opcode.SIGN;
        msg[33] = (byte) mode;
        msg[34] = (byte) keyId;
        msg[35] = (byte) (keyId >>> 8);
        msg[36] = (byte) slotConfig;
        msg[37] = (byte) (slotConfig >>> 8);
        msg[38] = (byte) keyConfig;
        msg[39] = (byte) (keyConfig >>> 8);
        msg[40] = (byte) tempKeyFlags;
        msg[43] = sn[8];
        msg[48] = sn[0];
        msg[49] = sn[1];
        if ((mode & 0x40) != 0) {
            System.arraycopy(sn, 4, msg, 44, 4);
            System.arraycopy(sn, 2, msg, 50, 2);
        }
        msg[52] = (byte) (slotLocked ? 0 : 1);
        msg[53] = (byte) (forInvalidate ? 1 : 0);
        return msg;
    }

    /**
     * Public key digest placed in TempKey by GenKey digest modes: SHA-256(TempKey || 0x40 || mode
     * || keyId(2) || SN[8] || SN[0:1] || zeros || pubkey), 128 bytes.
     */
    public static byte[] genKeyDigest(
            byte[] tempKey, int mode, int keyId, byte[] sn, byte[] publicKey64) {
        byte[] msg = new byte[128];
        System.arraycopy(tempKey, 0, msg, 0, 32);
        msg[32] = (byte) Opcode.GENKEY;
        msg[33] = (byte) mode;
        msg[34] = (byte) keyId;
        msg[35] = (byte) (keyId >>> 8);
        msg[36] = sn[8];
        msg[37] = sn[0];
        msg[38] = sn[1];
        System.arraycopy(publicKey64, 0, msg, 128 - 64, 64);
        return sha256(msg);
    }

    /** MAC mode bit 4: OTP[0:10] in the message; bit 5: OTP[0:7]; bit 6: the full serial number. */
    public static final int MAC_OTP_88 = 0x10;

    public static final int MAC_OTP_64 = 0x20;
    public static final int MAC_FULL_SN = 0x40;

    /**
     * The 88-byte message of the MAC command (and the last 24 bytes of the HMAC command's):
     * block1(32) || block2(32) || opcode || mode || keyId(2) || OTP[0:10] or OTP[0:7]+3 zeros or 11
     * zeros || SN[8] || SN[4:7] or zeros || SN[0:1] || SN[2:3] or zeros.
     */
    public static byte[] macMessage(
            int opcode, int mode, int keyId, byte[] block1, byte[] block2, byte[] otp, byte[] sn) {
        byte[] m = new byte[88];
        System.arraycopy(block1, 0, m, 0, 32);
        System.arraycopy(block2, 0, m, 32, 32);
        System.arraycopy(header(opcode, mode, keyId), 0, m, 64, 4);
        includeData(mode, otp, sn, m, 68);
        return m;
    }

    private static void includeData(int mode, byte[] otp, byte[] sn, byte[] m, int at) {
        if ((mode & MAC_OTP_88) != 0) System.arraycopy(otp, 0, m, at, 11);
        else if ((mode & MAC_OTP_64) != 0) System.arraycopy(otp, 0, m, at, 8);
        m[at + 11] = sn[8];
        if ((mode & MAC_FULL_SN) != 0) System.arraycopy(sn, 4, m, at + 12, 4);
        m[at + 16] = sn[0];
        m[at + 17] = sn[1];
        if ((mode & MAC_FULL_SN) != 0) System.arraycopy(sn, 2, m, at + 18, 2);
    }

    /** Response of the MAC command: SHA-256 of {@link #macMessage}. */
    public static byte[] mac(
            int mode, int keyId, byte[] block1, byte[] block2, byte[] otp, byte[] sn) {
        return sha256(macMessage(Opcode.MAC, mode, keyId, block1, block2, otp, sn));
    }

    /**
     * Response of the HMAC command (ATECC508A): HMAC-SHA256 with the slot key over 32 zeros ||
     * TempKey || opcode || mode || keyId(2) || the OTP/SN fields of the MAC message.
     */
    public static byte[] hmacCommand(
            int mode, int keyId, byte[] key32, byte[] tempKey, byte[] otp, byte[] sn) {
        byte[] m = macMessage(Opcode.HMAC, mode, keyId, new byte[32], tempKey, otp, sn);
        return hmacSha256(key32, m);
    }

    /** HMAC-SHA256 (RFC 2104); the key must not be empty. */
    public static byte[] hmacSha256(byte[] key, byte[] message) {
        if (key.length == 0) throw new IllegalArgumentException("empty HMAC key");
        try {
            javax.crypto.Mac h = javax.crypto.Mac.getInstance("HmacSHA256");
            h.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            return h.doFinal(message);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Key written by DeriveKey: SHA-256(parent(32) || 0x1C || mode || target(2) || SN[8] || SN[0:1]
     * || 25 zeros || TempKey(32)). The parent is the target itself (roll) or its WriteKey (create).
     */
    public static byte[] deriveKey(
            byte[] parent32, int mode, int target, byte[] sn, byte[] tempKey) {
        return genDigMessage(
                parent32, header(Opcode.DERIVE_KEY, mode, target), sn, new byte[25], tempKey);
    }

    /**
     * Authorising MAC of DeriveKey: SHA-256(parent(32) || 0x1C || mode || target(2) || SN[8] ||
     * SN[0:1]).
     */
    public static byte[] deriveKeyMac(byte[] parent32, int mode, int target, byte[] sn) {
        return sha256(
                Arrays.copyOf(parent32, 32),
                header(Opcode.DERIVE_KEY, mode, target),
                new byte[] {sn[8], sn[0], sn[1]});
    }

    /**
     * Decrypts output encrypted with the IO protection key (ECDH, KDF): each 32-byte block is XORed
     * with SHA-256(ioKey || 16 bytes of the output nonce for that block).
     */
    public static byte[] ioDecrypt(byte[] ioKey32, byte[] outNonce32, byte[] data) {
        if (data.length % 32 != 0 || data.length > 64)
            throw new IllegalArgumentException("IO-protected data is 32 or 64 bytes");
        byte[] out = data.clone();
        for (int block = 0; block < data.length / 32; block++) {
            byte[] k =
                    sha256(
                            Arrays.copyOf(ioKey32, 32),
                            Arrays.copyOfRange(outNonce32, block * 16, block * 16 + 16));
            for (int i = 0; i < 32; i++) out[block * 32 + i] ^= k[i];
        }
        return out;
    }

    /** Encryption with the IO protection key is the same XOR as decryption. */
    public static byte[] ioEncrypt(byte[] ioKey32, byte[] outNonce32, byte[] data) {
        return ioDecrypt(ioKey32, outNonce32, data);
    }

    /**
     * Digest Verify(Validate/Invalidate) checks: SHA-256(TempKey || 0x41 || OtherData[0:10] ||
     * SN[8] || OtherData[10:14] || SN[0:1] || OtherData[14:19]); the same bytes Sign(Internal)
     * signs on the signer.
     */
    public static byte[] validationDigest(byte[] tempKey, byte[] otherData19, byte[] sn) {
        return sha256(
                Arrays.copyOf(tempKey, 32),
                new byte[] {(byte) Opcode.SIGN},
                Arrays.copyOfRange(otherData19, 0, 10),
                new byte[] {sn[8]},
                Arrays.copyOfRange(otherData19, 10, 14),
                new byte[] {sn[0], sn[1]},
                Arrays.copyOfRange(otherData19, 14, 19));
    }

    /**
     * OtherData of Verify(Validate) taken from the 55-byte Sign(Internal) message: bytes 33-42,
     * 44-47, 50-54.
     */
    public static byte[] validationOtherData(byte[] signInternalMessage55) {
        byte[] o = new byte[19];
        System.arraycopy(signInternalMessage55, 33, o, 0, 10);
        System.arraycopy(signInternalMessage55, 44, o, 10, 4);
        System.arraycopy(signInternalMessage55, 50, o, 14, 5);
        return o;
    }

    /**
     * MAC a Verify with mode bit 7 returns on success: SHA-256(IO key || message(32) || system
     * nonce(32) || signature(64) || 0x45 || mode || keyId(2)).
     */
    public static byte[] verifyMac(
            byte[] ioKey32,
            byte[] message32,
            byte[] systemNonce32,
            byte[] signature64,
            int mode,
            int keyId) {
        return sha256(
                Arrays.copyOf(ioKey32, 32),
                Arrays.copyOf(message32, 32),
                Arrays.copyOf(systemNonce32, 32),
                Arrays.copyOf(signature64, 64),
                header(Opcode.VERIFY, mode, keyId));
    }

    /**
     * SecureBoot with an encrypted digest: the key is SHA-256(IO key || TempKey); the digest is
     * XORed with it.
     */
    public static byte[] secureBootKey(byte[] ioKey32, byte[] tempKey) {
        return sha256(Arrays.copyOf(ioKey32, 32), Arrays.copyOf(tempKey, 32));
    }

    /**
     * MAC SecureBoot returns with mode bit 7: SHA-256(key || digest(32) || signature(64), unless it
     * is not part of the command || 0x80 || mode || param2(2)).
     */
    public static byte[] secureBootMac(
            byte[] key32, byte[] digest32, byte[] signatureOrNull, int mode, int param2) {
        byte[] sig = signatureOrNull == null ? new byte[0] : Arrays.copyOf(signatureOrNull, 64);
        return sha256(
                Arrays.copyOf(key32, 32),
                Arrays.copyOf(digest32, 32),
                sig,
                header(Opcode.SECUREBOOT, mode, param2));
    }

    /**
     * The eight bytes stored at the start of the CountMatchKey slot: the limit (a multiple of 32)
     * twice, little endian.
     */
    public static byte[] counterMatchValue(long limit) {
        if (limit < 0 || limit > 2097151 || limit % 32 != 0)
            throw new IllegalArgumentException(
                    "count match limit is a multiple of 32 up to 2097151");
        byte[] v = new byte[8];
        for (int i = 0; i < 4; i++) {
            v[i] = (byte) (limit >>> (8 * i));
            v[4 + i] = v[i];
        }
        return v;
    }
}
