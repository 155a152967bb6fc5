package dev.meerkat.chip;

import java.util.Arrays;

/**
 * A read-only view of the 128-byte configuration zone of an ATECC508A/608.
 *
 * <pre>
 *   0-3   SN[0:3]          4-7   RevNum          8-12  SN[4:8]
 *   13    AES_Enable (608) 14    I2C_Enable      16    I2C_Address
 *   18    CountMatch (608) 19    ChipMode        20-51 SlotConfig[16], little endian
 *   52-59 Counter[0]       60-67 Counter[1]      68    UseLock (608)  69 VolatileKeyPermission (608)
 *   70-71 SecureBoot (608) 72-74 KDF IV (608)    84    UserExtra      85 UserExtraAdd / Selector
 *   86    LockValue (data/OTP, 0x55 = unlocked)  87    LockConfig (0x55 = unlocked)
 *   88-89 SlotLocked (bit clear = slot locked)   90-91 ChipOptions     92-95 X509format[4]
 *   96-127 KeyConfig[16], little endian
 * </pre>
 */
public final class ConfigZone {
    public static final int SN_0_3 = 0;
    public static final int REVISION = 4;
    public static final int SN_4_8 = 8;
    public static final int AES_ENABLE = 13;
    public static final int I2C_ENABLE = 14;
    public static final int I2C_ADDRESS = 16;
    public static final int COUNT_MATCH = 18;
    public static final int CHIP_MODE = 19;
    public static final int SLOT_CONFIG = 20;
    public static final int COUNTER_0 = 52;
    public static final int COUNTER_1 = 60;

    /** 508A: LastKeyUse[16], the use bits of slot 15 when it is limited-use. */
    public static final int LAST_KEY_USE = 68;

    /**
     * 608: UseLock (68), VolatileKeyPermission (69), SecureBoot (70-71), KdfIvLoc (72), KdfIvStr
     * (73-74).
     */
    public static final int USE_LOCK = 68;

    public static final int VOLATILE_KEY_PERMISSION = 69;
    public static final int SECURE_BOOT = 70;
    public static final int KDF_IV_LOC = 72;
    public static final int KDF_IV_STR = 73;
    public static final int USER_EXTRA = 84;
    public static final int USER_EXTRA_ADD = 85;
    public static final int LOCK_VALUE = 86;
    public static final int LOCK_CONFIG = 87;
    public static final int SLOT_LOCKED = 88;
    public static final int CHIP_OPTIONS = 90;
    public static final int X509_FORMAT = 92;
    public static final int KEY_CONFIG = 96;
    public static final int UNLOCKED = 0x55;
    public static final int LOCKED = 0x00;

    private final byte[] bytes;

    public ConfigZone(byte[] bytes) {
        if (bytes.length != Zone.CONFIG_SIZE)
            throw new IllegalArgumentException("config zone is 128 bytes");
        this.bytes = bytes.clone();
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** The nine-byte serial number SN[0:8]. */
    public byte[] serialNumber() {
        byte[] sn = new byte[9];
        System.arraycopy(bytes, SN_0_3, sn, 0, 4);
        System.arraycopy(bytes, SN_4_8, sn, 4, 5);
        return sn;
    }

    public byte[] revision() {
        return Arrays.copyOfRange(bytes, REVISION, REVISION + 4);
    }

    public boolean configLocked() {
        return (bytes[LOCK_CONFIG] & 0xFF) != UNLOCKED;
    }

    public boolean dataLocked() {
        return (bytes[LOCK_VALUE] & 0xFF) != UNLOCKED;
    }

    public SlotConfig slotConfig(int slot) {
        return new SlotConfig(u16(SLOT_CONFIG + 2 * slot));
    }

    public KeyConfig keyConfig(int slot) {
        return new KeyConfig(u16(KEY_CONFIG + 2 * slot));
    }

    /** True if the slot has been locked individually (its SlotLocked bit is clear). */
    public boolean slotLocked(int slot) {
        return (u16(SLOT_LOCKED) & (1 << slot)) == 0;
    }

    public int chipOptions() {
        return u16(CHIP_OPTIONS);
    }

    /**
     * ChipMode (byte 19): bit 2 long watchdog (13 s instead of 1.3 s), bits 3-7 clock divider
     * (608).
     */
    public int chipMode() {
        return bytes[CHIP_MODE] & 0xFF;
    }

    /** 608 CountMatch (byte 18): bit 0 enable, bits 4-7 the slot holding the match value. */
    public boolean countMatchEnabled() {
        return (bytes[COUNT_MATCH] & 0x01) != 0;
    }

    public int countMatchKey() {
        return (bytes[COUNT_MATCH] & 0xF0) >>> 4;
    }

    /**
     * 608 VolatileKeyPermission (byte 69): bit 7 enable, bits 0-3 the slot that authorises the
     * latch.
     */
    public boolean volatileKeyPermitEnabled() {
        return (bytes[VOLATILE_KEY_PERMISSION] & 0x80) != 0;
    }

    public int volatileKeyPermitSlot() {
        return bytes[VOLATILE_KEY_PERMISSION] & 0x0F;
    }

    /** 608 SecureBoot (bytes 70-71): the configuration SecureBoot runs with. */
    public SecureBootConfig secureBoot() {
        return new SecureBootConfig(u16(SECURE_BOOT));
    }

    /** ChipOptions bit 1: an IO protection key is configured; bits 12-15 its slot. */
    public boolean ioProtectionEnabled() {
        return (chipOptions() & 0x0002) != 0;
    }

    public int ioProtectionKey() {
        return (chipOptions() >>> 12) & 0xF;
    }

    /** ChipOptions bit 2: KDF may use the AES algorithm. */
    public boolean kdfAesEnabled() {
        return (chipOptions() & 0x0004) != 0;
    }

    /**
     * ChipOptions bits 8-9 (ECDH) and 10-11 (KDF): where the result may go, see {@link
     * OutputProtection}.
     */
    public OutputProtection ecdhProtection() {
        return OutputProtection.of((chipOptions() >>> 8) & 3);
    }

    public OutputProtection kdfProtection() {
        return OutputProtection.of((chipOptions() >>> 10) & 3);
    }

    /** Where ECDH and KDF results may be sent under ChipOptions' protection bits. */
    public enum OutputProtection {
        /** 00: anywhere, output buffer in clear included. */
        CLEAR_ALLOWED,
        /**
         * 01: the output buffer only encrypted with the IO protection key (slots and TempKey stay
         * allowed).
         */
        ENCRYPTED_ONLY,
        /**
         * 10 and 11: never to the output buffer, only into TempKey, a slot or the alternate key
         * buffer.
         */
        STORE_ONLY;

        static OutputProtection of(int bits) {
            return bits == 0 ? CLEAR_ALLOWED : bits == 1 ? ENCRYPTED_ONLY : STORE_ONLY;
        }
    }

    /**
     * SecureBoot config: mode bits 0-1 (0 disabled, 1 FullBoth, 2 FullSig, 3 FullDig), bit 3
     * persistent enable (a pass sets the persistent latch), bit 4 RandNonce (encrypted digests need
     * a random nonce), bits 8-11 the slot of the stored digest or signature, bits 12-15 the public
     * key slot.
     */
    public record SecureBootConfig(int value) {
        public static final int DISABLED = 0;
        public static final int FULL_BOTH = 1;
        public static final int FULL_SIG = 2;
        public static final int FULL_DIG = 3;

        public int mode() {
            return value & 3;
        }

        public boolean persistentEnable() {
            return (value & 0x08) != 0;
        }

        public boolean randNonce() {
            return (value & 0x10) != 0;
        }

        public int sigDigSlot() {
            return (value >>> 8) & 0xF;
        }

        public int pubKeySlot() {
            return (value >>> 12) & 0xF;
        }
    }

    public boolean aesEnabled() {
        return (bytes[AES_ENABLE] & 1) != 0;
    }

    public int i2cAddress() {
        return bytes[I2C_ADDRESS] & 0xFF;
    }

    public int u16(int offset) {
        return (bytes[offset] & 0xFF) | (bytes[offset + 1] & 0xFF) << 8;
    }

    /**
     * SlotConfig bits: ReadKey 0-3, NoMac 4, LimitedUse 5, EncryptRead 6, IsSecret 7, WriteKey
     * 8-11, WriteConfig 12-15.
     */
    public record SlotConfig(int value) {
        public int readKey() {
            return value & 0xF;
        }

        public boolean noMac() {
            return (value & 0x10) != 0;
        }

        public boolean limitedUse() {
            return (value & 0x20) != 0;
        }

        public boolean encryptRead() {
            return (value & 0x40) != 0;
        }

        public boolean isSecret() {
            return (value & 0x80) != 0;
        }

        public int writeKey() {
            return (value >>> 8) & 0xF;
        }

        public int writeConfig() {
            return (value >>> 12) & 0xF;
        }

        /** Private key slots: ReadKey bit 0 enables Sign of external messages. */
        public boolean externalSignAllowed() {
            return (value & 0x1) != 0;
        }

        /** Private key slots: ReadKey bit 1 enables Sign of internally generated messages. */
        public boolean internalSignAllowed() {
            return (value & 0x2) != 0;
        }

        /** Private key slots: ReadKey bit 2 enables ECDH. */
        public boolean ecdhAllowed() {
            return (value & 0x4) != 0;
        }

        /**
         * Private key slots: ReadKey bit 3 writes the ECDH secret to slot N|1 instead of returning
         * it.
         */
        public boolean ecdhToNextSlot() {
            return (value & 0x8) != 0;
        }

        /** Private key slots: WriteConfig bit 1 allows GenKey to create a new key. */
        public boolean genKeyAllowed() {
            return (writeConfig() & 0x2) != 0;
        }

        /** Private key slots: WriteConfig bit 2 allows (encrypted) PrivWrite. */
        public boolean privWriteAllowed() {
            return (writeConfig() & 0x4) != 0;
        }

        /**
         * Write command after data lock: WriteConfig 0000 always, 0001 PubInvalid, x1xx encrypted,
         * otherwise never.
         */
        public WriteMode writeMode() {
            int wc = writeConfig();
            if ((wc & 0x4) != 0) return WriteMode.ENCRYPT;
            if (wc == 0) return WriteMode.ALWAYS;
            if (wc == 1) return WriteMode.PUB_INVALID;
            return WriteMode.NEVER;
        }
    }

    public enum WriteMode {
        ALWAYS,
        PUB_INVALID,
        NEVER,
        ENCRYPT
    }

    /**
     * KeyConfig bits: Private 0, PubInfo 1, KeyType 2-4, Lockable 5, ReqRandom 6, ReqAuth 7,
     * AuthKey 8-11, X509id 14-15.
     */
    public record KeyConfig(int value) {
        public static final int TYPE_P256 = 4;
        public static final int TYPE_AES = 6;
        public static final int TYPE_SHA = 7;

        public boolean isPrivate() {
            return (value & 0x1) != 0;
        }

        public boolean pubInfo() {
            return (value & 0x2) != 0;
        }

        public int keyType() {
            return (value >>> 2) & 0x7;
        }

        public boolean isEccKey() {
            return keyType() == TYPE_P256;
        }

        public boolean lockable() {
            return (value & 0x20) != 0;
        }

        public boolean reqRandom() {
            return (value & 0x40) != 0;
        }

        public boolean reqAuth() {
            return (value & 0x80) != 0;
        }

        public int authKey() {
            return (value >>> 8) & 0xF;
        }

        /** 608 bit 12: the key may only be used while the persistent latch is set. */
        public boolean persistentDisable() {
            return (value & 0x1000) != 0;
        }
    }
}
