package dev.meerkat.chip;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Host-side computations that mirror what the chip does internally, so the host can follow TempKey,
 * encrypt data for authenticated writes and compute the MACs those writes require.
 */
public final class HostCrypto {
    private HostCrypto() {
    }

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
     * GenDig over a stored value (config block, OTP block or slot key): TempKey' = SHA-256(value(32) ||
     * 0x15 || zone || keyId lo || keyId hi || SN[8] || SN[0:1] || 25 zeros || TempKey).
     */
    public static byte[] genDig(byte[] value32, int zone, int keyId, byte[] sn, byte[] tempKey) {
        ByteArrayOutputStream m = new ByteArrayOutputStream(96);
        m.write(value32, 0, 32);
        m.write(Opcode.GENDIG);
        m.write(zone);
        m.write(keyId & 0xFF);
        m.write((keyId >>> 8) & 0xFF);
        m.write(sn[8]);
        m.write(sn[0]);
        m.write(sn[1]);
        m.writeBytes(new byte[25]);
        m.write(tempKey, 0, 32);
        return sha256(m.toByteArray());
    }

    /** XOR of {@code data} with {@code key} (key repeated is not allowed: data must not be longer). */
    public static byte[] xor(byte[] data, byte[] key) {
        byte[] out = new byte[data.length];
        for (int i = 0; i < data.length; i++) out[i] = (byte) (data[i] ^ key[i]);
        return out;
    }

    /**
     * MAC of an authenticated Write: SHA-256(TempKey || 0x12 || param1 || param2 lo || param2 hi ||
     * SN[8] || SN[0:1] || 25 zeros || plaintext(32)).
     */
    public static byte[] writeMac(byte[] tempKey, int param1, int param2, byte[] sn, byte[] plain32) {
        return authenticatedWriteMac(tempKey, Opcode.WRITE, param1, param2, sn, 25, plain32, 32);
    }

    /** PrivWrite encryption: first 32 bytes XOR TempKey, last 4 XOR the start of SHA-256(TempKey). */
    public static byte[] privWriteEncrypt(byte[] plain36, byte[] tempKey) {
        byte[] k2 = sha256(java.util.Arrays.copyOf(tempKey, 32));
        byte[] out = new byte[36];
        for (int i = 0; i < 32; i++) out[i] = (byte) (plain36[i] ^ tempKey[i]);
        for (int i = 32; i < 36; i++) out[i] = (byte) (plain36[i] ^ k2[i - 32]);
        return out;
    }

    /**
     * MAC of an encrypted PrivWrite: SHA-256(TempKey || 0x46 || param1 || param2 lo || param2 hi ||
     * SN[8] || SN[0:1] || 21 zeros || plaintext(36)).
     */
    public static byte[] privWriteMac(byte[] tempKey, int param1, int param2, byte[] sn, byte[] plain36) {
        return authenticatedWriteMac(tempKey, Opcode.PRIVWRITE, param1, param2, sn, 21, plain36, 36);
    }

    /** The MAC shared by Write and PrivWrite: TempKey, opcode, params, SN bytes, zero padding, plaintext. */
    private static byte[] authenticatedWriteMac(byte[] tempKey, int opcode, int param1, int param2, byte[] sn,
                                                int zeros, byte[] plain, int plainLength) {
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
     * The 88-byte message of CheckMac/MAC: block1(32) || block2(32) || OtherData[0:4] || OTP[0:8] or zeros ||
     * OtherData[4:7] || SN[8] || OtherData[7:11] || SN[0:1] || OtherData[11:13].
     */
    public static byte[] checkMacResponse(byte[] block1, byte[] block2, byte[] otherData13, byte[] otp8OrNull, byte[] sn) {
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

    /** TempKey flag byte as used in internal messages: keyId 0-3, SourceFlag 4, GenDigData 5, GenKeyData 6, NoMacFlag 7. */
    public static int tempKeyFlags(int keyId, boolean sourceInput, boolean genDigData, boolean genKeyData, boolean noMac) {
        return (keyId & 0xF) | (sourceInput ? 0x10 : 0) | (genDigData ? 0x20 : 0) | (genKeyData ? 0x40 : 0)
                | (noMac ? 0x80 : 0);
    }

    /**
     * The 55-byte message Sign(Internal) signs (its SHA-256 is the signed digest): TempKey || 0x41 || mode ||
     * keyId(2) || SlotConfig[TempKey.keyId](2) || KeyConfig[TempKey.keyId](2) || TempKeyFlags || 2 zeros ||
     * SN[8] || SN[4:7] or zeros || SN[0:1] || SN[2:3] or zeros || SlotLocked bit || PubKey valid || 0.
     */
    public static byte[] signInternalMessage(byte[] tempKey, int mode, int keyId, int slotConfig, int keyConfig,
                                             int tempKeyFlags, byte[] sn, boolean slotLocked, boolean forInvalidate) {
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

    /** Public key digest placed in TempKey by GenKey digest modes: SHA-256(TempKey || 0x40 || mode || keyId(2) || SN[8] || SN[0:1] || zeros || pubkey), 128 bytes. */
    public static byte[] genKeyDigest(byte[] tempKey, int mode, int keyId, byte[] sn, byte[] publicKey64) {
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
}
