package dev.meerkat.chip.emulator;

import dev.meerkat.chip.ChipCommunicationException;
import dev.meerkat.chip.ConfigZone;
import dev.meerkat.chip.ConfigZone.KeyConfig;
import dev.meerkat.chip.ConfigZone.SlotConfig;
import dev.meerkat.chip.Crc16;
import dev.meerkat.chip.DeviceType;
import dev.meerkat.chip.HostCrypto;
import dev.meerkat.chip.Opcode;
import dev.meerkat.chip.Packet;
import dev.meerkat.chip.WordAddress;
import dev.meerkat.chip.Zone;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.math.ec.ECPoint;

/**
 * An ATECC608 (or ATECC508A) as seen from its I2C pins: wake pulse, word-address frames, response
 * reads. Persistent memory (config, data slots, OTP) follows the datasheet layout and lock rules;
 * SlotConfig/KeyConfig permissions are enforced; TempKey, the message digest buffer and the SHA
 * context are volatile and lost on sleep. Optionally persists itself to a state file after every
 * change and models the datasheet execution times.
 */
public final class EmulatedChip {
    private enum Power {
        SLEEP,
        IDLE,
        ACTIVE
    }

    private final DeviceType type;
    private final byte[] config;
    private final byte[][] slots = new byte[16][];
    private final byte[] otp;
    private final SecureRandom rng;
    private final Faults faults = new Faults();
    private volatile TimingModel timing = TimingModel.ZERO;
    private Path stateFile;

    // volatile state
    private Power power = Power.SLEEP;
    private byte[] output;
    private long readyAtNanos;
    private final TempKey tempKey = new TempKey();

    /**
     * The hardware transport keys (KeyID bit 15) that GenDig can use. A real part's values are
     * Microchip's secret; an emulated chip has only those its owner installs.
     */
    private final Map<Integer, byte[]> transportKeys = new HashMap<>();

    private byte[] msgDigBuf;
    private byte[] altKeyBuf;
    private Sha256Context sha;
    private Mac hmac;
    private boolean selfTestFailed;
    private boolean rngHealthFailed;
    private boolean unpowered;

    /**
     * Slot authorised by the last successful CheckMac or GenDig in this wake (KeyConfig.ReqAuth),
     * or -1.
     */
    private int authorizedKey = -1;

    // kept through sleep, lost on power cycle
    private boolean persistentLatch;
    private boolean secureBootProhibited;
    // watchdog (DATASHEET timing): the chip sleeps when it has been awake this long
    private LongSupplier clock = System::nanoTime;
    private long wokeAtNanos;

    // statistics
    private long commands;
    private long chipMillis;

    /** TempKey register and its flags. */
    static final class TempKey {
        byte[] value = new byte[64];
        boolean valid;
        boolean sourceInput;
        boolean genDigData;
        boolean genKeyData;
        boolean noMac;

        /**
         * The value is a P-256 private key made by GenKey with KeyID 0xFFFF (608), usable by ECDH.
         */
        boolean privateKey;

        int keyId;

        void invalidate() {
            valid = false;
            privateKey = false;
            genDigData = false;
            genKeyData = false;
            noMac = false;
            keyId = 0;
        }

        void load(byte[] v, boolean input) {
            Arrays.fill(value, (byte) 0);
            System.arraycopy(v, 0, value, 0, Math.min(64, v.length));
            valid = true;
            privateKey = false;
            sourceInput = input;
            genDigData = false;
            genKeyData = false;
            noMac = false;
            keyId = 0;
        }

        byte[] first32() {
            return Arrays.copyOf(value, 32);
        }

        int flags() {
            return HostCrypto.tempKeyFlags(keyId, sourceInput, genDigData, genKeyData, noMac);
        }
    }

    /**
     * A factory-fresh chip (unlocked zones, zeroed slot/key configs) with the given nine-byte
     * serial number.
     */
    public EmulatedChip(DeviceType type, byte[] serialNumber, SecureRandom rng) {
        this.type = type;
        this.rng = rng;
        this.config = factoryConfig(type, serialNumber);
        for (int i = 0; i < 16; i++) slots[i] = new byte[Zone.slotSize(i)];
        this.otp = new byte[Zone.OTP_SIZE];
    }

    /**
     * A factory-fresh chip with a random serial number (SN[0:1] = 01 23, SN[8] = EE as on real
     * parts).
     */
    public static EmulatedChip fresh(DeviceType type) {
        SecureRandom rng = new SecureRandom();
        byte[] sn = new byte[9];
        rng.nextBytes(sn);
        sn[0] = 0x01;
        sn[1] = 0x23;
        sn[8] = (byte) 0xEE;
        return new EmulatedChip(type, sn, rng);
    }

    EmulatedChip(DeviceType type, byte[] config, byte[][] slotData, byte[] otp, SecureRandom rng) {
        this.type = type;
        this.rng = rng;
        this.config = config.clone();
        for (int i = 0; i < 16; i++) slots[i] = Arrays.copyOf(slotData[i], Zone.slotSize(i));
        this.otp = otp.clone();
    }

    static byte[] factoryConfig(DeviceType type, byte[] sn) {
        if (sn.length != 9) throw new IllegalArgumentException("serial number is 9 bytes");
        byte[] c = new byte[Zone.CONFIG_SIZE];
        System.arraycopy(sn, 0, c, 0, 4);
        System.arraycopy(type.revision(), 0, c, 4, 4);
        System.arraycopy(sn, 4, c, 8, 5);
        c[ConfigZone.I2C_ENABLE] = 0x01;
        // parts leave the factory with bytes 12-15 = EE 01 01 00 on the 608: AES enabled
        if (type == DeviceType.ATECC608) c[ConfigZone.AES_ENABLE] = 0x01;
        c[ConfigZone.I2C_ADDRESS] = (byte) 0xC0;
        for (int counter = 0; counter < 2; counter++) {
            System.arraycopy(encodeCounter(0), 0, c, ConfigZone.COUNTER_0 + 8 * counter, 8);
        }
        c[ConfigZone.LOCK_VALUE] = (byte) ConfigZone.UNLOCKED;
        c[ConfigZone.LOCK_CONFIG] = (byte) ConfigZone.UNLOCKED;
        c[ConfigZone.SLOT_LOCKED] = (byte) 0xFF;
        c[ConfigZone.SLOT_LOCKED + 1] = (byte) 0xFF;
        return c;
    }

    // ------------------------------------------------------------------ configuration of the
    // emulator

    public DeviceType type() {
        return type;
    }

    public Faults faults() {
        return faults;
    }

    public void timing(TimingModel model) {
        this.timing = model;
    }

    /** The time source of execution times and the watchdog (tests advance their own clock). */
    public synchronized void clock(LongSupplier nanos) {
        this.clock = nanos;
    }

    /** The watchdog period of ChipMode bit 2: 1.3 s, or 13 s with the long watchdog. */
    private long watchdogNanos() {
        return (config[ConfigZone.CHIP_MODE] & 0x04) != 0 ? 13_000_000_000L : 1_300_000_000L;
    }

    /**
     * Under DATASHEET timing an awake chip falls asleep once the watchdog expires (TempKey etc.
     * lost).
     */
    private void watchdog() {
        if (timing != TimingModel.DATASHEET || power != Power.ACTIVE) return;
        if (clock.getAsLong() - wokeAtNanos >= watchdogNanos()) toSleep();
    }

    /** Persist to this file after every change of non-volatile memory (atomic replace). */
    public synchronized void persistTo(Path file) {
        this.stateFile = file;
        save();
    }

    public synchronized void save() {
        if (stateFile == null) return;
        try {
            StateFile.write(stateFile, this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Number of commands executed and the sum of their datasheet execution times in milliseconds.
     */
    public synchronized long commandCount() {
        return commands;
    }

    public synchronized long chipMillis() {
        return chipMillis;
    }

    public synchronized byte[] configBytes() {
        return config.clone();
    }

    synchronized byte[] slotBytes(int slot) {
        return slots[slot].clone();
    }

    synchronized byte[] otpBytes() {
        return otp.clone();
    }

    public synchronized byte[] serialNumber() {
        return new ConfigZone(config).serialNumber();
    }

    /** Power cycle: everything volatile is lost; a chip that lost power is powered again. */
    public synchronized void powerCycle() {
        unpowered = false;
        persistentLatch = false;
        secureBootProhibited = false;
        toSleep();
    }

    /** True after an injected power loss, until {@link #powerCycle()}. */
    public synchronized boolean unpowered() {
        return unpowered;
    }

    // ------------------------------------------------------------------ I2C level

    /** The wake pulse (SDA low for more than tWLO); returns the four-byte wake block. */
    public synchronized byte[] wakePulse() {
        if (unpowered) throw new ChipCommunicationException("no answer: the chip has no power");
        watchdog();
        if (power == Power.SLEEP) clearVolatile();
        // the watchdog starts when the chip leaves sleep or idle, not on a wake pulse to an awake
        // chip
        if (power != Power.ACTIVE) wokeAtNanos = clock.getAsLong();
        power = Power.ACTIVE;
        if (faults.selfTestFailure) selfTestFailed = true;
        rngHealthFailed = faults.rngHealthFailure; // the health test runs on every wake
        output =
                selfTestFailed
                        ? Packet.WAKE_SELF_TEST_FAILED.clone()
                        : Packet.WAKE_RESPONSE.clone();
        readyAtNanos = 0;
        return output.clone();
    }

    /** An I2C write: {@code [word address][payload]}. */
    public synchronized void i2cWrite(byte[] frame) {
        watchdog();
        if (power != Power.ACTIVE) throw new ChipCommunicationException("NACK: chip is not awake");
        if (frame.length == 0) throw new ChipCommunicationException("empty I2C write");
        switch (frame[0] & 0xFF) {
            case WordAddress.COMMAND -> command(Arrays.copyOfRange(frame, 1, frame.length));
            case WordAddress.IDLE -> {
                power = Power.IDLE;
                output = null;
            }
            case WordAddress.SLEEP -> toSleep();
            case WordAddress.RESET -> {
                // the address counter of the output buffer restarts: the response can be read again
            }
            default ->
                    throw new ChipCommunicationException(
                            String.format("NACK: word address 0x%02X", frame[0]));
        }
    }

    /** An I2C read of the output buffer. */
    public synchronized byte[] i2cRead() {
        watchdog();
        if (power != Power.ACTIVE) throw new ChipCommunicationException("NACK: chip is not awake");
        if (faults.takeBusy() || (readyAtNanos != 0 && clock.getAsLong() < readyAtNanos)) {
            throw new ChipCommunicationException("NACK: chip busy");
        }
        if (output == null) throw new ChipCommunicationException("NACK: no response pending");
        byte[] r = output.clone();
        if (faults.takeCorrupt()) r[r.length - 1] ^= 0x5A;
        return r;
    }

    private void toSleep() {
        power = Power.SLEEP;
        output = null;
        clearVolatile();
    }

    private void clearVolatile() {
        tempKey.invalidate();
        tempKey.sourceInput = false;
        Arrays.fill(tempKey.value, (byte) 0);
        msgDigBuf = null;
        altKeyBuf = null;
        sha = null;
        hmac = null;
        authorizedKey = -1;
    }

    private void command(byte[] packet) {
        int count = packet.length == 0 ? 0 : packet[0] & 0xFF;
        if (count < Packet.MIN_COMMAND
                || count != packet.length
                || !Crc16.check(packet, count)
                || faults.takeCommError()) {
            output = Packet.statusResponse(0xFF);
            return;
        }
        int opcode = packet[1] & 0xFF;
        int p1 = packet[2] & 0xFF;
        int p2 = (packet[3] & 0xFF) | (packet[4] & 0xFF) << 8;
        byte[] data = Arrays.copyOfRange(packet, 5, count - 2);
        int ms = Math.max(type.executionMillis(opcode, config[ConfigZone.CHIP_MODE] & 0xFF), 0);
        if (timing == TimingModel.DATASHEET
                && clock.getAsLong() + ms * 1_000_000L - wokeAtNanos >= watchdogNanos()) {
            // the command could not finish before the watchdog puts the chip to sleep: not executed
            output = Packet.statusResponse(0xEE);
            readyAtNanos = 0;
            return;
        }
        byte[] body;
        Integer forced = faults.takeForced(opcode);
        if (forced != null) {
            body = new byte[] {(byte) (int) forced};
        } else {
            try {
                body = execute(opcode, p1, p2, data);
            } catch (ChipFailure f) {
                body = new byte[] {(byte) f.status};
            }
        }
        output = Packet.response(body);
        commands++;
        chipMillis += ms;
        readyAtNanos = timing == TimingModel.DATASHEET ? clock.getAsLong() + ms * 1_000_000L : 0;
        if (faults.takePowerLoss()) {
            toSleep();
            unpowered = true;
        }
    }

    /** Executes a command directly (no I2C framing); returns the response body. */
    public synchronized byte[] executeForTest(int opcode, int p1, int p2, byte[] data) {
        try {
            return execute(opcode, p1, p2, data);
        } catch (ChipFailure f) {
            return new byte[] {(byte) f.status};
        }
    }

    // ------------------------------------------------------------------ command dispatch

    private static final byte[] OK = {0x00};

    private byte[] execute(int opcode, int p1, int p2, byte[] data) throws ChipFailure {
        if (!type.supports(opcode)) throw ChipFailure.parse("opcode not supported by " + type);
        if (selfTestFailed
                && opcode != Opcode.SELFTEST
                && opcode != Opcode.INFO
                && opcode != Opcode.READ) {
            throw new ChipFailure(0x07, "self test failed");
        }
        return switch (opcode) {
            case Opcode.INFO -> info(p1, p2, data);
            case Opcode.RANDOM -> random(p1, data);
            case Opcode.NONCE -> nonce(p1, p2, data);
            case Opcode.GENKEY -> genKey(p1, p2, data);
            case Opcode.SIGN -> sign(p1, p2, data);
            case Opcode.VERIFY -> verify(p1, p2, data);
            case Opcode.ECDH -> ecdh(p1, p2, data);
            case Opcode.READ -> read(p1, p2, data);
            case Opcode.WRITE -> write(p1, p2, data);
            case Opcode.PRIVWRITE -> privWrite(p1, p2, data);
            case Opcode.LOCK -> lock(p1, p2, data);
            case Opcode.SHA -> sha(p1, p2, data);
            case Opcode.COUNTER -> counter(p1, p2, data);
            case Opcode.SELFTEST -> selfTest(p1, data);
            case Opcode.AES -> aes(p1, p2, data);
            case Opcode.UPDATE_EXTRA -> updateExtra(p1, p2, data);
            case Opcode.CHECKMAC -> checkMac(p1, p2, data);
            case Opcode.GENDIG -> genDig(p1, p2, data);
            case Opcode.MAC -> mac(p1, p2, data);
            case Opcode.HMAC -> hmacCommand(p1, p2, data);
            case Opcode.DERIVE_KEY -> deriveKey(p1, p2, data);
            case Opcode.KDF -> kdf(p1, p2, data);
            case Opcode.SECUREBOOT -> secureBoot(p1, p2, data);
            default -> throw ChipFailure.parse("opcode not emulated: " + Opcode.name(opcode));
        };
    }

    private ConfigZone cfg() {
        return new ConfigZone(config);
    }

    private boolean configLocked() {
        return (config[ConfigZone.LOCK_CONFIG] & 0xFF) != ConfigZone.UNLOCKED;
    }

    private boolean dataLocked() {
        return (config[ConfigZone.LOCK_VALUE] & 0xFF) != ConfigZone.UNLOCKED;
    }

    private static void length(byte[] data, int... allowed) throws ChipFailure {
        for (int a : allowed) if (data.length == a) return;
        throw ChipFailure.parse("bad data length " + data.length);
    }

    private static void slotId(int slot) throws ChipFailure {
        if (slot < 0 || slot > 15) throw ChipFailure.parse("slot " + slot);
    }

    private byte[] privateKey(int slot) {
        return Arrays.copyOfRange(slots[slot], 4, 36);
    }

    private boolean privateKeyValid(int slot) {
        byte[] s = slots[slot];
        return s[0] == 0
                && s[1] == 0
                && s[2] == 0
                && s[3] == 0
                && P256.validScalar(privateKey(slot));
    }

    private void requirePrivateEcc(int slot) throws ChipFailure {
        KeyConfig kc = cfg().keyConfig(slot);
        if (!kc.isPrivate() || !kc.isEccKey())
            throw ChipFailure.exec("slot " + slot + " is not a P-256 private key");
    }

    // ------------------------------------------------------------------ Info / Random / Nonce

    private byte[] info(int mode, int p2, byte[] data) throws ChipFailure {
        length(data, 0);
        switch (mode) {
            case 0x00:
                return Arrays.copyOfRange(config, ConfigZone.REVISION, ConfigZone.REVISION + 4);
            case 0x01:
                {
                    slotId(p2);
                    KeyConfig kc = cfg().keyConfig(p2);
                    boolean valid;
                    if (!kc.isEccKey()) valid = false;
                    else if (kc.isPrivate()) valid = privateKeyValid(p2);
                    else
                        valid =
                                pubFromSlot(p2) != null
                                        && (!kc.pubInfo() || publicKeyValidated(p2));
                    return new byte[] {(byte) (valid ? 1 : 0), 0, 0, 0};
                }
            case 0x02:
                if (p2 != 0) throw ChipFailure.parse("info state param2");
                return new byte[] {(byte) tempKey.flags(), (byte) (tempKey.valid ? 1 : 0), 0, 0};
            case 0x04:
                {
                    if (type != DeviceType.ATECC608)
                        throw ChipFailure.parse("info mode 4 is a 608 mode");
                    if ((p2 & ~0x3) != 0) throw ChipFailure.parse("volatile key permit param2");
                    if ((p2 & 0x2) != 0) {
                        boolean set = (p2 & 0x1) != 0;
                        ConfigZone c = cfg();
                        if (set) {
                            if (!c.volatileKeyPermitEnabled())
                                throw ChipFailure.exec("VolatileKeyPermission is not enabled");
                            if (authorizedKey != c.volatileKeyPermitSlot()) {
                                throw ChipFailure.exec(
                                        "setting the latch needs a CheckMac with slot "
                                                + c.volatileKeyPermitSlot());
                            }
                        }
                        persistentLatch = set;
                    }
                    return new byte[] {(byte) (persistentLatch ? 1 : 0), 0, 0, 0};
                }
            default:
                // 0x03 reads the GPIO pin of parts that have one; neither the 508A nor the 608 has
                throw ChipFailure.parse("info mode " + mode);
        }
    }

    /** Status 0x08 while the RNG's health test fails: nothing that needs a random number runs. */
    private void requireHealthyRng() throws ChipFailure {
        if (faults.rngHealthFailure) rngHealthFailed = true;
        if (rngHealthFailed) throw new ChipFailure(0x08, "RNG health test failed");
    }

    private byte[] rngBytes() throws ChipFailure {
        requireHealthyRng();
        byte[] r = new byte[32];
        if (!configLocked()) {
            for (int i = 0; i < 32; i += 4) {
                r[i] = (byte) 0xFF;
                r[i + 1] = (byte) 0xFF;
            }
        } else {
            rng.nextBytes(r);
        }
        return r;
    }

    private byte[] random(int mode, byte[] data) throws ChipFailure {
        if (mode > 1) throw ChipFailure.parse("random mode");
        length(data, 0);
        return rngBytes();
    }

    private byte[] nonce(int mode, int p2, byte[] data) throws ChipFailure {
        int calc = mode & 0x03;
        boolean is608 = type == DeviceType.ATECC608;
        if (calc == 0 || calc == 1) {
            if ((mode & ~0x03) != 0) throw ChipFailure.parse("nonce random mode");
            length(data, 20);
            if (p2 == 0x8000 && is608) {
                // TempKey calculation mode: TempKey takes the place of RandOut and the new TempKey
                // is returned
                if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid");
                byte[] next = HostCrypto.nonceTempKey(tempKey.first32(), data, mode);
                System.arraycopy(next, 0, tempKey.value, 0, 32);
                Arrays.fill(tempKey.value, 32, 64, (byte) 0);
                return next;
            }
            if (p2 != 0) throw ChipFailure.parse("nonce param2");
            byte[] randOut = rngBytes();
            tempKey.load(HostCrypto.nonceTempKey(randOut, data, mode), false);
            return randOut;
        }
        if (calc == 3) {
            if (p2 != 0) throw ChipFailure.parse("nonce param2");
            if ((mode & 0x1C) != 0) throw ChipFailure.parse("nonce mode");
            boolean long64 = (mode & 0x20) != 0;
            int target = mode & 0xC0;
            if ((long64 || target != 0) && !is608)
                throw ChipFailure.parse("64-byte nonces and nonce targets are 608 modes");
            length(data, long64 ? 64 : 32);
            switch (target) {
                case 0x00 -> tempKey.load(data, true);
                case 0x40 -> msgDigBuf = Arrays.copyOf(data, 64);
                case 0x80 -> {
                    if (long64) throw ChipFailure.parse("the alternate key buffer holds 32 bytes");
                    altKeyBuf = data.clone();
                }
                default -> throw ChipFailure.parse("nonce target");
            }
            return OK;
        }
        throw ChipFailure.parse("nonce mode " + mode);
    }

    // ------------------------------------------------------------------ keys

    private byte[] genKey(int mode, int slot, byte[] data) throws ChipFailure {
        if ((mode & ~0x1C) != 0) throw ChipFailure.parse("genkey mode");
        if (!configLocked()) throw ChipFailure.exec("config zone unlocked");
        ConfigZone c = cfg();
        if (slot == 0xFFFF && type == DeviceType.ATECC608) {
            // a private key in TempKey for ECDH (ephemeral keys); it never leaves the chip
            if (mode != 0x04) throw ChipFailure.parse("GenKey into TempKey is private mode only");
            length(data, 0);
            requireHealthyRng();
            byte[] d = P256.newScalar(rng);
            tempKey.load(d, false);
            tempKey.privateKey = true;
            return P256.publicKey(d);
        }
        slotId(slot);
        if ((mode & 0x10) != 0) {
            // digest of the public key stored in (or belonging to) the slot, for Verify(Validate)
            length(data, 3);
            if ((mode & 0x0C) != 0) throw ChipFailure.parse("genkey mode");
            byte[] pub = publicKeyOf(slot);
            if (pub == null) throw ChipFailure.exec("slot " + slot + " holds no public key");
            if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid for GenKey digest");
            int pseudoMode = data[0] & 0xFF;
            int pseudoKeyId = (data[1] & 0xFF) | (data[2] & 0xFF) << 8;
            byte[] digest =
                    HostCrypto.genKeyDigest(
                            tempKey.first32(), pseudoMode, pseudoKeyId, c.serialNumber(), pub);
            boolean source = tempKey.sourceInput;
            tempKey.load(digest, source);
            tempKey.genKeyData = true;
            tempKey.keyId = slot;
            return OK;
        }
        length(data, 0, 3);
        requirePrivateEcc(slot);
        byte[] pub;
        if ((mode & 0x04) != 0) {
            if (dataLocked()) {
                if (!c.slotConfig(slot).genKeyAllowed())
                    throw ChipFailure.exec("WriteConfig forbids GenKey in slot " + slot);
                if (c.slotLocked(slot)) throw ChipFailure.exec("slot " + slot + " is locked");
            }
            requireHealthyRng();
            byte[] d = P256.newScalar(rng);
            byte[] stored = new byte[36];
            System.arraycopy(d, 0, stored, 4, 32);
            slots[slot] = stored;
            pub = P256.publicKey(d);
            save();
        } else {
            if (!privateKeyValid(slot)) throw ChipFailure.exec("no valid key in slot " + slot);
            pub = P256.publicKey(privateKey(slot));
        }
        if ((mode & 0x08) != 0) {
            if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid for GenKey digest");
            byte[] other = data.length == 3 ? data : null;
            int dm = other == null ? mode : other[0] & 0xFF;
            int dk = other == null ? slot : (other[1] & 0xFF) | (other[2] & 0xFF) << 8;
            byte[] digest =
                    HostCrypto.genKeyDigest(tempKey.first32(), dm, dk, c.serialNumber(), pub);
            tempKey.load(digest, tempKey.sourceInput);
            tempKey.genKeyData = true;
            tempKey.keyId = slot;
        }
        return pub;
    }

    /**
     * X||Y of the public key in a public-key slot (72-byte format) or of the private key in a
     * private slot.
     */
    private byte[] publicKeyOf(int slot) {
        KeyConfig kc = cfg().keyConfig(slot);
        if (!kc.isEccKey()) return null;
        if (kc.isPrivate()) return privateKeyValid(slot) ? P256.publicKey(privateKey(slot)) : null;
        ECPoint q = pubFromSlot(slot);
        return q == null ? null : P256.raw(q);
    }

    /**
     * Validity of a public key slot (PubInfo), the upper four bits of its first byte: 0x5
     * validated, anything else not (cryptoauthlib's verify tests read it there).
     */
    private boolean publicKeyValidated(int slot) {
        return (slots[slot][0] >>> 4 & 0x0F) == 0x05;
    }

    private byte[] sign(int mode, int slot, byte[] data) throws ChipFailure {
        if ((mode & ~0xE1) != 0) throw ChipFailure.parse("sign mode");
        length(data, 0);
        slotId(slot);
        if (!configLocked()) throw ChipFailure.exec("config zone unlocked");
        requirePrivateEcc(slot);
        if (!privateKeyValid(slot)) throw ChipFailure.exec("no valid key in slot " + slot);
        ConfigZone c = cfg();
        SlotConfig sc = c.slotConfig(slot);
        byte[] digest;
        if ((mode & 0x80) != 0) {
            if ((mode & 0x01) != 0) throw ChipFailure.parse("invalidate signatures are internal");
            if (!sc.externalSignAllowed())
                throw ChipFailure.exec("external signatures disabled for slot " + slot);
            if ((mode & 0x20) != 0) {
                if (type != DeviceType.ATECC608 || msgDigBuf == null)
                    throw ChipFailure.exec("message digest buffer empty");
                digest = Arrays.copyOf(msgDigBuf, 32);
            } else {
                if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid");
                digest = tempKey.first32();
            }
        } else {
            if (!sc.internalSignAllowed())
                throw ChipFailure.exec("internal signatures disabled for slot " + slot);
            if (!tempKey.valid || !(tempKey.genDigData || tempKey.genKeyData)) {
                throw ChipFailure.exec("TempKey not from GenDig/GenKey");
            }
            int k = tempKey.keyId;
            // PubKey valid byte: 1 when the TempKey's slot holds a validated public key that needs
            // validation
            KeyConfig kk = c.keyConfig(k);
            boolean pubValid =
                    kk.isEccKey() && !kk.isPrivate() && kk.pubInfo() && publicKeyValidated(k);
            byte[] msg =
                    HostCrypto.signInternalMessage(
                            tempKey.first32(),
                            mode,
                            slot,
                            c.slotConfig(k).value(),
                            kk.value(),
                            tempKey.flags(),
                            c.serialNumber(),
                            c.slotLocked(k),
                            pubValid);
            digest = HostCrypto.sha256(msg);
        }
        requireHealthyRng();
        useKey(slot);
        byte[] sig = P256.sign(privateKey(slot), digest, rng);
        // a digest taken from the 608's message digest buffer leaves TempKey alone, so a random
        // nonce made before the Sign can still feed a Verify (cryptoauthlib's verify tests sign
        // between the two)
        if ((mode & 0xA0) != 0xA0) tempKey.invalidate();
        return sig;
    }

    private ECPoint pubFromSlot(int slot) {
        byte[] s = slots[slot];
        if (s.length < 72) return null;
        byte[] xy = new byte[64];
        System.arraycopy(s, 4, xy, 0, 32);
        System.arraycopy(s, 40, xy, 32, 32);
        return P256.point(xy, 0);
    }

    private byte[] verify(int mode, int p2, byte[] data) throws ChipFailure {
        if ((mode & ~0xA7) != 0) throw ChipFailure.parse("verify mode");
        int kind = mode & 0x07;
        boolean fromDigestBuffer = (mode & 0x20) != 0;
        boolean withMac = (mode & 0x80) != 0;
        if ((fromDigestBuffer || withMac) && type != DeviceType.ATECC608)
            throw ChipFailure.parse("608 verify modes");
        ConfigZone c = cfg();
        byte[] message;
        ECPoint q;
        byte[] signature = Arrays.copyOf(data, Math.min(64, data.length));
        boolean validation = kind == 0x03 || kind == 0x07;
        if (validation) {
            // Validate / Invalidate the public key in slot p2 with the parent key in the slot its
            // SlotConfig.ReadKey names (cryptoauthlib's verify_validate writes the authority's key
            // there)
            slotId(p2);
            length(data, 83);
            KeyConfig kc = c.keyConfig(p2);
            if (!kc.isEccKey() || kc.isPrivate() || !kc.pubInfo())
                throw ChipFailure.exec("slot " + p2 + " is not a public key with PubInfo");
            if (!tempKey.valid || !tempKey.genKeyData || tempKey.keyId != p2) {
                throw ChipFailure.exec("TempKey must hold the GenKey digest of slot " + p2);
            }
            int parentSlot = c.slotConfig(p2).readKey();
            KeyConfig parent = c.keyConfig(parentSlot);
            if (!parent.isEccKey() || parent.isPrivate())
                throw ChipFailure.exec("validating key slot holds no public key");
            q = pubFromSlot(parentSlot);
            if (q == null) throw ChipFailure.exec("validating key slot holds no valid public key");
            message =
                    HostCrypto.validationDigest(
                            tempKey.first32(), Arrays.copyOfRange(data, 64, 83), c.serialNumber());
        } else {
            if (kind == 0x02) {
                if (p2 != 0x0004) throw ChipFailure.parse("only P-256 keys");
                length(data, 128);
                q = P256.point(data, 64);
                if (q == null) throw ChipFailure.exec("public key not on curve");
            } else if (kind == 0x00) {
                slotId(p2);
                length(data, 64);
                KeyConfig kc = c.keyConfig(p2);
                if (!kc.isEccKey() || kc.isPrivate())
                    throw ChipFailure.exec("slot " + p2 + " holds no public key");
                if (kc.pubInfo() && !publicKeyValidated(p2))
                    throw ChipFailure.exec("public key in slot " + p2 + " is not validated");
                q = pubFromSlot(p2);
                if (q == null) throw ChipFailure.exec("slot " + p2 + " holds no valid public key");
            } else {
                throw ChipFailure.parse("verify mode " + kind);
            }
            if (fromDigestBuffer) {
                if (msgDigBuf == null) throw ChipFailure.exec("message digest buffer empty");
                message = Arrays.copyOf(msgDigBuf, 32);
            } else {
                if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid");
                message = tempKey.first32();
            }
        }
        byte[] systemNonce = null;
        byte[] ioKey = null;
        if (withMac) {
            if (msgDigBuf == null)
                throw ChipFailure.exec("the system nonce goes into the message digest buffer");
            systemNonce =
                    fromDigestBuffer
                            ? Arrays.copyOfRange(msgDigBuf, 32, 64)
                            : Arrays.copyOf(msgDigBuf, 32);
            ioKey = ioProtectionKey(c);
        }
        if (!fromDigestBuffer) tempKey.invalidate();
        if (!P256.verify(q, message, data, 0)) throw new ChipFailure(0x01, "signature mismatch");
        if (validation) {
            slots[p2][0] = (byte) ((slots[p2][0] & 0x0F) | (kind == 0x03 ? 0x50 : 0xA0));
            save();
        }
        if (withMac) return HostCrypto.verifyMac(ioKey, message, systemNonce, signature, mode, p2);
        return OK;
    }

    private byte[] ioProtectionKey(ConfigZone c) throws ChipFailure {
        if (!c.ioProtectionEnabled())
            throw ChipFailure.exec("no IO protection key configured (ChipOptions bit 1)");
        return Arrays.copyOf(slots[c.ioProtectionKey()], 32);
    }

    private byte[] ecdh(int mode, int keyId, byte[] data) throws ChipFailure {
        if ((mode & ~0x0F) != 0) throw ChipFailure.parse("ECDH mode");
        boolean is608 = type == DeviceType.ATECC608;
        if (!is608 && mode != 0) throw ChipFailure.parse("ECDH mode");
        length(data, 64);
        if (!configLocked()) throw ChipFailure.exec("config zone unlocked");
        ConfigZone c = cfg();
        boolean fromTempKey = (mode & 0x01) != 0;
        boolean encrypt = (mode & 0x02) != 0;
        int copy = mode & 0x0C;
        byte[] d;
        SlotConfig sc = null;
        if (fromTempKey) {
            if (!tempKey.valid || !tempKey.privateKey)
                throw ChipFailure.exec("TempKey holds no private key");
            d = tempKey.first32();
        } else {
            slotId(keyId);
            requirePrivateEcc(keyId);
            if (!privateKeyValid(keyId)) throw ChipFailure.exec("no valid key in slot " + keyId);
            sc = c.slotConfig(keyId);
            if (!sc.ecdhAllowed()) throw ChipFailure.exec("ECDH disabled for slot " + keyId);
            d = privateKey(keyId);
        }
        ECPoint q = P256.point(data, 0);
        if (q == null) throw ChipFailure.exec("peer key not on curve");
        if (!fromTempKey) useKey(keyId);
        byte[] secret = P256.ecdh(d, q);
        if (secret == null) throw ChipFailure.exec("point at infinity");
        switch (copy) {
            case 0x04 -> {
                int target = fromTempKey ? keyId : keyId | 1;
                if (target == keyId && !fromTempKey)
                    throw ChipFailure.exec("no slot N|1 for the ECDH secret of slot " + keyId);
                storeEcdh(target, secret);
                return OK;
            }
            case 0x08 -> {
                tempKey.load(secret, false);
                return OK;
            }
            case 0x0C -> {
                return ecdhOutput(c, secret, encrypt);
            }
            default -> {
                // the 508A-compatible mode: ReadKey bit 3 sends the secret to slot N|1, else it is
                // output
                if (sc != null && sc.ecdhToNextSlot()) {
                    storeEcdh(keyId | 1, secret);
                    return OK;
                }
                return ecdhOutput(c, secret, encrypt);
            }
        }
    }

    private byte[] ecdhOutput(ConfigZone c, byte[] secret, boolean encrypt) throws ChipFailure {
        return protectedOutput(
                type == DeviceType.ATECC608
                        ? c.ecdhProtection()
                        : ConfigZone.OutputProtection.CLEAR_ALLOWED,
                c,
                secret,
                encrypt,
                "ECDH");
    }

    /**
     * The output buffer under ChipOptions' protection bits: clear, or encrypted with the IO key
     * plus its nonce.
     */
    private byte[] protectedOutput(
            ConfigZone.OutputProtection protection,
            ConfigZone c,
            byte[] result,
            boolean encrypt,
            String what)
            throws ChipFailure {
        if (encrypt) {
            if (protection == ConfigZone.OutputProtection.STORE_ONLY)
                throw ChipFailure.exec(what + " output is restricted to internal targets");
            byte[] ioKey = ioProtectionKey(c);
            byte[] outNonce = new byte[32];
            requireHealthyRng();
            rng.nextBytes(outNonce);
            byte[] out = new byte[result.length + 32];
            System.arraycopy(
                    HostCrypto.ioEncrypt(ioKey, outNonce, result), 0, out, 0, result.length);
            System.arraycopy(outNonce, 0, out, result.length, 32);
            return out;
        }
        if (protection != ConfigZone.OutputProtection.CLEAR_ALLOWED)
            throw ChipFailure.exec(what + " output in clear is forbidden by ChipOptions");
        return result;
    }

    private void storeEcdh(int target, byte[] secret) throws ChipFailure {
        if (target < 0 || target > 15) throw ChipFailure.exec("no slot for the ECDH secret");
        KeyConfig kc = cfg().keyConfig(target);
        if (kc.isPrivate()) throw ChipFailure.exec("slot " + target + " holds a private key");
        System.arraycopy(secret, 0, slots[target], 0, 32);
        save();
    }

    // ------------------------------------------------------------------ Read / Write

    private int[] range(int zone, int address, boolean size32) throws ChipFailure {
        int start;
        int limit;
        int slot = -1;
        int len = size32 ? 32 : 4;
        if (zone == Zone.CONFIG) {
            int block = (address >>> 3) & 0x1F;
            start = block * 32 + (size32 ? 0 : (address & 7) * 4);
            limit = Zone.CONFIG_SIZE;
        } else if (zone == Zone.OTP) {
            int block = (address >>> 3) & 0x0F;
            start = block * 32 + (size32 ? 0 : (address & 7) * 4);
            limit = Zone.OTP_SIZE;
        } else {
            slot = (address >>> 3) & 0x0F;
            int block = address >>> 8;
            start = block * 32 + (size32 ? 0 : (address & 7) * 4);
            limit = Zone.slotSize(slot);
        }
        if (start >= limit) throw ChipFailure.parse("address beyond zone");
        return new int[] {start, len, limit, slot};
    }

    private byte[] read(int p1, int address, byte[] data) throws ChipFailure {
        if ((p1 & ~0x83) != 0) throw ChipFailure.parse("read zone");
        length(data, 0);
        int zone = p1 & 0x03;
        boolean size32 = (p1 & 0x80) != 0;
        if (zone == 3) throw ChipFailure.parse("zone 3");
        int[] r = range(zone, address, size32);
        // a 32-byte read of the last, partial block of a data slot returns its bytes zero padded
        // (cryptoauthlib
        // reads a 72-byte public key as three blocks)
        if (r[0] + r[1] > r[2] && !(zone == Zone.DATA && size32))
            throw ChipFailure.parse("read past end of zone");
        if (zone == Zone.CONFIG) return Arrays.copyOfRange(config, r[0], r[0] + r[1]);
        if (!dataLocked()) throw ChipFailure.exec("data zone unlocked: no reads of data or OTP");
        if (zone == Zone.OTP) return Arrays.copyOfRange(otp, r[0], r[0] + r[1]);
        int slot = r[3];
        ConfigZone c = cfg();
        KeyConfig kc = c.keyConfig(slot);
        SlotConfig sc = c.slotConfig(slot);
        if (kc.isPrivate() && kc.isEccKey())
            throw ChipFailure.exec("private keys are never readable");
        byte[] plain =
                Arrays.copyOf(
                        Arrays.copyOfRange(slots[slot], r[0], Math.min(r[0] + r[1], r[2])), r[1]);
        if (!sc.isSecret()) return plain;
        if (!sc.encryptRead()) throw ChipFailure.exec("secret slot " + slot + " is not readable");
        if (!size32) throw ChipFailure.exec("encrypted reads are 32 bytes");
        if (!tempKey.valid
                || !tempKey.genDigData
                || tempKey.noMac
                || tempKey.keyId != sc.readKey()) {
            throw ChipFailure.exec("encrypted read needs GenDig with the read key");
        }
        byte[] out = HostCrypto.xor(plain, tempKey.first32());
        tempKey.invalidate();
        return out;
    }

    private byte[] write(int p1, int address, byte[] data) throws ChipFailure {
        if ((p1 & ~0xC3) != 0) throw ChipFailure.parse("write zone");
        int zone = p1 & 0x03;
        boolean size32 = (p1 & 0x80) != 0;
        boolean encrypted = (p1 & 0x40) != 0;
        if (zone == 3) throw ChipFailure.parse("zone 3");
        if (encrypted) length(data, size32 ? 64 : 36);
        else length(data, size32 ? 32 : 4);
        int[] r = range(zone, address, size32);
        int start = r[0];
        int len = r[1];
        if (zone == Zone.CONFIG) {
            if (encrypted) throw ChipFailure.parse("config writes are clear");
            if (configLocked()) throw ChipFailure.exec("config zone locked");
            if (start + len > Zone.CONFIG_SIZE) throw ChipFailure.parse("past end");
            if (start == 12 && !size32 && type == DeviceType.ATECC608) {
                // word 3: only AES_Enable (13) and I2C_Enable (14) may change; SN[8] and byte 15
                // stay
                config[13] = data[1];
                config[14] = data[2];
                save();
                return OK;
            }
            if (start < 16) throw ChipFailure.exec("config bytes 0-15 are read-only");
            if (!size32 && start == 84)
                throw ChipFailure.exec("UserExtra/Selector/Lock bytes are not writable with Write");
            for (int i = 0; i < len; i++) {
                int a = start + i;
                if (a >= 84 && a < 88) continue;
                config[a] = data[i];
            }
            save();
            return OK;
        }
        if (!configLocked())
            throw ChipFailure.exec("config zone must be locked before writing data or OTP");
        if (zone == Zone.OTP) {
            if (dataLocked()) throw ChipFailure.exec("OTP is read-only after the data lock");
            if (encrypted || !size32)
                throw ChipFailure.exec("only 32-byte clear writes before the data lock");
            System.arraycopy(data, 0, otp, start, Math.min(len, Zone.OTP_SIZE - start));
            save();
            return OK;
        }
        int slot = r[3];
        ConfigZone c = cfg();
        if (c.keyConfig(slot).isPrivate() && c.keyConfig(slot).isEccKey()) {
            throw ChipFailure.exec("private key slots are written with PrivWrite");
        }
        int avail = Zone.slotSize(slot) - start;
        if (!dataLocked()) {
            if (!size32) throw ChipFailure.exec("only 32-byte writes before the data lock");
            byte[] plain = data;
            if (encrypted) {
                // before the data lock param1 bit 6 alone says the data is encrypted
                // (cryptoauthlib's
                // write_enc_data_unlock test): TempKey from a GenDig, MAC over the plaintext
                if (!tempKey.valid || !tempKey.genDigData || tempKey.noMac) {
                    tempKey.invalidate();
                    throw ChipFailure.exec("encrypted write needs a TempKey from GenDig");
                }
                byte[] tk = tempKey.first32();
                plain = HostCrypto.xor(Arrays.copyOf(data, 32), tk);
                byte[] mac = HostCrypto.writeMac(tk, p1, address, c.serialNumber(), plain);
                tempKey.invalidate();
                if (!MessageDigest.isEqual(mac, Arrays.copyOfRange(data, 32, 64)))
                    throw ChipFailure.exec("write MAC mismatch");
            }
            System.arraycopy(plain, 0, slots[slot], start, Math.min(len, avail));
            save();
            return OK;
        }
        if (c.slotLocked(slot)) throw ChipFailure.exec("slot " + slot + " is locked");
        if (!size32 && len > avail) throw ChipFailure.parse("past end of slot");
        SlotConfig sc = c.slotConfig(slot);
        byte[] plain;
        switch (sc.writeMode()) {
            case ALWAYS -> {
                if (encrypted) throw ChipFailure.exec("slot " + slot + " takes clear writes");
                plain = data;
            }
            case PUB_INVALID -> {
                // a public key (PubInfo) may be replaced in clear once Verify(Invalidate) revoked
                // it
                KeyConfig kc = c.keyConfig(slot);
                if (encrypted || !kc.isEccKey() || !kc.pubInfo() || publicKeyValidated(slot)) {
                    throw ChipFailure.exec(
                            "slot " + slot + " is writable only while its public key is invalid");
                }
                plain = data;
            }
            case ENCRYPT -> {
                if (!encrypted || !size32)
                    throw ChipFailure.exec("slot " + slot + " requires encrypted 32-byte writes");
                if (!tempKey.valid
                        || !tempKey.genDigData
                        || tempKey.noMac
                        || tempKey.keyId != sc.writeKey()) {
                    tempKey.invalidate();
                    throw ChipFailure.exec("encrypted write needs GenDig with the write key");
                }
                byte[] tk = tempKey.first32();
                plain = HostCrypto.xor(Arrays.copyOf(data, 32), tk);
                byte[] mac = HostCrypto.writeMac(tk, p1, address, c.serialNumber(), plain);
                tempKey.invalidate();
                if (!MessageDigest.isEqual(mac, Arrays.copyOfRange(data, 32, 64)))
                    throw ChipFailure.exec("write MAC mismatch");
            }
            default -> throw ChipFailure.exec("WriteConfig forbids writes to slot " + slot);
        }
        System.arraycopy(plain, 0, slots[slot], start, Math.min(plain.length, avail));
        KeyConfig written = c.keyConfig(slot);
        if (start == 0 && written.isEccKey() && !written.isPrivate() && written.pubInfo()) {
            // a new public key needs validation: whatever the host wrote, it starts invalid
            slots[slot][0] = (byte) ((slots[slot][0] & 0x0F) | 0xA0);
        }
        save();
        return OK;
    }

    private byte[] privWrite(int p1, int slot, byte[] data) throws ChipFailure {
        if ((p1 & ~0x40) != 0) throw ChipFailure.parse("privwrite zone");
        length(data, 68, 36);
        slotId(slot);
        if (!configLocked()) throw ChipFailure.exec("config zone unlocked");
        requirePrivateEcc(slot);
        ConfigZone c = cfg();
        byte[] value;
        if (!dataLocked()) {
            if (p1 != 0) throw ChipFailure.exec("encrypted PrivWrite needs a locked data zone");
            value = Arrays.copyOf(data, 36);
        } else {
            SlotConfig sc = c.slotConfig(slot);
            if (p1 != 0x40)
                throw ChipFailure.exec("PrivWrite must be encrypted after the data lock");
            if (data.length != 68) throw ChipFailure.parse("MAC missing");
            if (!sc.privWriteAllowed())
                throw ChipFailure.exec("WriteConfig forbids PrivWrite to slot " + slot);
            if (c.slotLocked(slot)) throw ChipFailure.exec("slot " + slot + " is locked");
            if (!tempKey.valid
                    || !tempKey.genDigData
                    || tempKey.noMac
                    || tempKey.keyId != sc.writeKey()) {
                tempKey.invalidate();
                throw ChipFailure.exec("PrivWrite needs GenDig with the write key");
            }
            byte[] tk = tempKey.first32();
            value =
                    HostCrypto.privWriteEncrypt(
                            Arrays.copyOf(data, 36), tk); // XOR is its own inverse
            byte[] mac = HostCrypto.privWriteMac(tk, p1, slot, c.serialNumber(), value);
            tempKey.invalidate();
            if (!MessageDigest.isEqual(mac, Arrays.copyOfRange(data, 36, 68)))
                throw ChipFailure.exec("PrivWrite MAC mismatch");
        }
        if (value[0] != 0 || value[1] != 0 || value[2] != 0 || value[3] != 0)
            throw ChipFailure.exec("key padding not zero");
        if (!P256.validScalar(Arrays.copyOfRange(value, 4, 36)))
            throw ChipFailure.exec("invalid P-256 scalar");
        slots[slot] = value;
        save();
        return OK;
    }

    // ------------------------------------------------------------------ Lock

    /** The bytes whose CRC the data lock checks: slots 0..15 in order, then OTP. */
    public synchronized byte[] dataZoneImage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1272);
        for (byte[] s : slots) out.writeBytes(s);
        out.writeBytes(otp);
        return out.toByteArray();
    }

    private byte[] lock(int mode, int summary, byte[] data) throws ChipFailure {
        if ((mode & 0x40) != 0) throw ChipFailure.parse("lock mode");
        length(data, 0);
        boolean noCrc = (mode & 0x80) != 0;
        int zone = mode & 0x03;
        switch (zone) {
            case 0 -> {
                if ((mode & 0x3C) != 0) throw ChipFailure.parse("lock mode");
                if (configLocked()) throw ChipFailure.exec("config zone already locked");
                if (!noCrc && Crc16.compute(config) != summary)
                    throw ChipFailure.exec("config CRC mismatch");
                config[ConfigZone.LOCK_CONFIG] = (byte) ConfigZone.LOCKED;
            }
            case 1 -> {
                if ((mode & 0x3C) != 0) throw ChipFailure.parse("lock mode");
                if (!configLocked()) throw ChipFailure.exec("lock the config zone first");
                if (dataLocked()) throw ChipFailure.exec("data zone already locked");
                if (!noCrc && Crc16.compute(dataZoneImage()) != summary)
                    throw ChipFailure.exec("data CRC mismatch");
                config[ConfigZone.LOCK_VALUE] = (byte) ConfigZone.LOCKED;
            }
            case 2 -> {
                int slot = (mode >>> 2) & 0x0F;
                if (!dataLocked()) throw ChipFailure.exec("slot locks need a locked data zone");
                ConfigZone c = cfg();
                if (!c.keyConfig(slot).lockable())
                    throw ChipFailure.exec("slot " + slot + " is not lockable");
                if (c.slotLocked(slot)) throw ChipFailure.exec("slot " + slot + " already locked");
                // cryptoauthlib's atcab_lock_data_slot sends a zero summary without the no-CRC flag
                if (!noCrc && summary != 0 && Crc16.compute(slots[slot]) != summary)
                    throw ChipFailure.exec("slot CRC mismatch");
                int bits = c.u16(ConfigZone.SLOT_LOCKED) & ~(1 << slot);
                config[ConfigZone.SLOT_LOCKED] = (byte) bits;
                config[ConfigZone.SLOT_LOCKED + 1] = (byte) (bits >>> 8);
            }
            default -> throw ChipFailure.parse("lock zone 3");
        }
        save();
        return OK;
    }

    // ------------------------------------------------------------------ SHA, counters, misc

    private byte[] sha(int p1, int p2, byte[] data) throws ChipFailure {
        int mode = p1 & 0x07;
        int target = p1 & 0xC0;
        if ((p1 & 0x38) != 0) throw ChipFailure.parse("sha mode");
        boolean is608 = type == DeviceType.ATECC608;
        if (!is608 && (target != 0 || mode == 3 || mode > 5))
            throw ChipFailure.parse("sha mode " + mode);
        switch (mode) {
            case 0 -> {
                length(data, 0);
                sha = new Sha256Context();
                hmac = null;
                return OK;
            }
            case 4 -> {
                length(data, 0);
                byte[] key;
                if (is608 && p2 == 0xFFFF) {
                    if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid");
                    key = tempKey.first32();
                } else {
                    slotId(p2);
                    KeyConfig kc = cfg().keyConfig(p2);
                    if (kc.isPrivate()) throw ChipFailure.exec("HMAC key slot holds a private key");
                    useKey(p2);
                    key = Arrays.copyOf(slots[p2], 32);
                }
                try {
                    hmac = Mac.getInstance("HmacSHA256");
                    hmac.init(new SecretKeySpec(key, "HmacSHA256"));
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
                sha = null;
                return OK;
            }
            case 3 -> {
                // adds the 64-byte public key of a slot to a started SHA-256 context
                length(data, 0);
                slotId(p2);
                if (sha == null) throw ChipFailure.exec("no SHA context");
                byte[] pub = publicKeyOf(p2);
                if (pub == null) throw ChipFailure.exec("slot " + p2 + " holds no public key");
                sha.update(pub);
                return OK;
            }
            case 1 -> {
                // the 508A takes exactly one block; the 608 0 to 64 bytes (cryptoauthlib's
                // sha_context test)
                if (p2 != data.length || data.length > 64 || (!is608 && data.length != 64)) {
                    throw ChipFailure.parse("update takes 64 bytes (608: up to 64)");
                }
                if (sha != null) sha.update(data);
                else if (hmac != null) hmac.update(data);
                else throw ChipFailure.exec("no SHA context");
                return OK;
            }
            case 2, 5 -> {
                if (mode == 5 && is608) throw ChipFailure.parse("608 ends HMAC with mode 2");
                if (p2 != data.length || data.length > 63)
                    throw ChipFailure.parse("end takes 0-63 bytes");
                if (target == 0x80) throw ChipFailure.parse("sha target");
                byte[] digest;
                if (sha != null && mode == 2) {
                    sha.update(data);
                    digest = sha.digest();
                } else if (hmac != null) {
                    hmac.update(data);
                    digest = hmac.doFinal();
                } else {
                    throw ChipFailure.exec("no SHA context");
                }
                sha = null;
                hmac = null;
                switch (target) {
                    case 0x00 -> tempKey.load(digest, true);
                    case 0x40 -> msgDigBuf = Arrays.copyOf(digest, 64);
                    default -> {} // output buffer only
                }
                return digest;
            }
            case 6 -> {
                length(data, 0);
                if (sha == null)
                    throw ChipFailure.exec(
                            hmac != null ? "HMAC contexts cannot be read" : "no SHA context");
                return sha.export();
            }
            case 7 -> {
                if (p2 != data.length) throw ChipFailure.parse("context length");
                Sha256Context restored = Sha256Context.restore(data);
                if (restored == null) throw ChipFailure.parse("malformed SHA context");
                sha = restored;
                hmac = null;
                return OK;
            }
            default -> throw ChipFailure.parse("sha mode " + mode);
        }
    }

    static final long COUNTER_MAX = 2097151L;

    /**
     * Counter encoding of the config zone: two 16-bit linear fields and two binary fields (big
     * endian).
     */
    static byte[] encodeCounter(long value) {
        int linA = 0xFFFF >>> (int) (value % 32);
        int linB = 0xFFFF >>> (int) (value >= 16 ? (value - 16) % 32 : 0);
        int binA = (int) (value / 32);
        int binB = value >= 16 ? (int) ((value - 16) / 32) : 0;
        return new byte[] {
            (byte) (linA >>> 8),
            (byte) linA,
            (byte) (linB >>> 8),
            (byte) linB,
            (byte) (binA >>> 8),
            (byte) binA,
            (byte) (binB >>> 8),
            (byte) binB
        };
    }

    static long decodeCounter(byte[] c, int off) {
        int linA = (c[off] & 0xFF) << 8 | (c[off + 1] & 0xFF);
        int linB = (c[off + 2] & 0xFF) << 8 | (c[off + 3] & 0xFF);
        int binA = (c[off + 4] & 0xFF) << 8 | (c[off + 5] & 0xFF);
        int binB = (c[off + 6] & 0xFF) << 8 | (c[off + 7] & 0xFF);
        if (Integer.bitCount(linA) > 0) return binA * 32L + 16 - Integer.bitCount(linA);
        return 16 + binB * 32L + 16 - Integer.bitCount(linB);
    }

    private byte[] counter(int mode, int id, byte[] data) throws ChipFailure {
        if (mode > 1 || id > 1) throw ChipFailure.parse("counter mode/id");
        length(data, 0);
        long v = decodeCounter(config, ConfigZone.COUNTER_0 + 8 * id);
        if (mode == 1) {
            if (!configLocked()) throw ChipFailure.exec("config zone unlocked");
            v = incrementCounter(id);
        }
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    /**
     * Counter increment with its limit and, for counter 0 of a 608 with CountMatch, the match
     * value.
     */
    private long incrementCounter(int id) throws ChipFailure {
        int off = ConfigZone.COUNTER_0 + 8 * id;
        long v = decodeCounter(config, off);
        if (v >= COUNTER_MAX) throw ChipFailure.exec("counter at its limit");
        v++;
        System.arraycopy(encodeCounter(v), 0, config, off, 8);
        save();
        return v;
    }

    /**
     * Checks and records the use of a slot key: the persistent latch for
     * KeyConfig.PersistentDisable (608), a prior authorisation for KeyConfig.ReqAuth, and one use
     * of a SlotConfig.LimitedUse key (counter 0 on the 608, a LastKeyUse bit of slot 15 on the
     * 508A).
     */
    private void useKey(int slot) throws ChipFailure {
        ConfigZone c = cfg();
        KeyConfig kc = c.keyConfig(slot);
        if (type == DeviceType.ATECC608 && kc.persistentDisable() && !persistentLatch) {
            throw ChipFailure.exec("slot " + slot + " needs the persistent latch");
        }
        if (kc.reqAuth() && authorizedKey != kc.authKey()) {
            throw ChipFailure.exec(
                    "slot " + slot + " needs an authorisation with key " + kc.authKey());
        }
        if (c.slotConfig(slot).limitedUse()) consumeUse(slot);
    }

    private void consumeUse(int slot) throws ChipFailure {
        if (type == DeviceType.ATECC608) {
            ConfigZone c = cfg();
            if (c.countMatchEnabled()) {
                // the key is disabled while Counter[0] equals the value in the CountMatchKey slot
                // (the value twice, a non-zero multiple of 32, as atcah_encode_counter_match writes
                // it); the Counter command itself is not limited (cryptoauthlib's counter_match
                // test counts past it). Zero is an unprogrammed slot, not a limit of no uses:
                // Counter[0] starts there, and cryptoauthlib's tests use the limited-use slot 0
                // right after the data lock with its CountMatchKey slot never written.
                byte[] m = slots[c.countMatchKey()];
                long limit =
                        (m[0] & 0xFFL)
                                | (m[1] & 0xFFL) << 8
                                | (m[2] & 0xFFL) << 16
                                | (m[3] & 0xFFL) << 24;
                boolean wellFormed =
                        Arrays.equals(Arrays.copyOfRange(m, 0, 4), Arrays.copyOfRange(m, 4, 8))
                                && limit % 32 == 0
                                && limit != 0;
                long v = decodeCounter(config, ConfigZone.COUNTER_0);
                if (wellFormed && v == limit)
                    throw ChipFailure.exec("counter 0 equals the count match value " + limit);
            }
            incrementCounter(0);
            return;
        }
        if (slot != 15) return; // the 508A limits slot 15 only
        for (int i = ConfigZone.LAST_KEY_USE; i < ConfigZone.LAST_KEY_USE + 16; i++) {
            int b = config[i] & 0xFF;
            if (b != 0) {
                config[i] = (byte) (b & (b - 1)); // clear the lowest remaining use bit
                save();
                return;
            }
        }
        throw ChipFailure.exec("slot 15 has no uses left");
    }

    /** ReqRandom: commands using the key need a TempKey made from the chip's random number. */
    private void requireRandomNonce(int slot, boolean tempKeyUsed) throws ChipFailure {
        if (cfg().keyConfig(slot).reqRandom()
                && (!tempKeyUsed || !tempKey.valid || tempKey.sourceInput)) {
            throw ChipFailure.exec("slot " + slot + " requires a random nonce");
        }
    }

    private byte[] selfTest(int mode, byte[] data) throws ChipFailure {
        if ((mode & ~0x3F) != 0 || mode == 0) throw ChipFailure.parse("selftest mode");
        length(data, 0);
        if (faults.selfTestFailure) {
            selfTestFailed = true;
            throw new ChipFailure(0x07, "self test failed");
        }
        selfTestFailed = false;
        if ((mode & 0x01) != 0) {
            // bit 0 tests the RNG (DRBG) and reruns its health test
            rngHealthFailed = faults.rngHealthFailure;
            if (rngHealthFailed) throw new ChipFailure(0x08, "RNG health test failed");
        }
        return OK;
    }

    private byte[] aes(int mode, int p2, byte[] data) throws ChipFailure {
        int op = mode & 0x07;
        if ((mode & 0x38) != 0) throw ChipFailure.parse("aes mode");
        if (!cfg().aesEnabled()) throw ChipFailure.exec("AES disabled in config");
        if (op == 0x03) {
            // GFM: GHASH multiplication of H (first 16 bytes) and the input block (next 16)
            length(data, 32);
            return GaloisMultiplier.multiply(
                    Arrays.copyOf(data, 16), Arrays.copyOfRange(data, 16, 32));
        }
        if (op != 0 && op != 1) throw ChipFailure.parse("aes mode " + op);
        length(data, 16);
        byte[] key;
        int block = mode >>> 6;
        if (p2 == 0xFFFF) {
            if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid");
            key = Arrays.copyOfRange(tempKey.value, block * 16, block * 16 + 16);
        } else {
            slotId(p2);
            if (cfg().keyConfig(p2).keyType() != KeyConfig.TYPE_AES)
                throw ChipFailure.exec("slot " + p2 + " is not an AES key");
            if (block * 16 + 16 > Zone.slotSize(p2))
                throw ChipFailure.parse("key block beyond slot");
            useKey(p2);
            key = Arrays.copyOfRange(slots[p2], block * 16, block * 16 + 16);
        }
        try {
            Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
            c.init(
                    op == 0 ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE,
                    new SecretKeySpec(key, "AES"));
            return c.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] updateExtra(int mode, int p2, byte[] data) throws ChipFailure {
        length(data, 0);
        // modes 0 and 1 also work on an unlocked config zone: cryptoauthlib's
        // atcab_write_config_zone
        // ends with UpdateExtra of both bytes (zero on a fresh part) before the config lock
        if (mode == 0 || mode == 1) {
            if (p2 > 0xFF) throw ChipFailure.parse("UpdateExtra value is one byte");
            int at = mode == 0 ? ConfigZone.USER_EXTRA : ConfigZone.USER_EXTRA_ADD;
            if (config[at] != 0) throw ChipFailure.exec("byte " + at + " already set");
            config[at] = (byte) p2;
            save();
            return OK;
        }
        if (mode == 2) {
            if (!configLocked()) throw ChipFailure.exec("config zone unlocked");
            // spends one use of a limited-use key without using it
            slotId(p2);
            if (!cfg().slotConfig(p2).limitedUse())
                throw ChipFailure.exec("slot " + p2 + " is not limited-use");
            consumeUse(p2);
            return OK;
        }
        throw ChipFailure.parse("UpdateExtra mode " + mode);
    }

    private byte[] checkMac(int mode, int slot, byte[] data) throws ChipFailure {
        if ((mode & ~0x27) != 0) throw ChipFailure.parse("checkmac mode");
        length(data, 77);
        slotId(slot);
        if (!configLocked()) throw ChipFailure.exec("config zone unlocked");
        ConfigZone c = cfg();
        if (c.keyConfig(slot).isPrivate())
            throw ChipFailure.exec("slot " + slot + " holds a private key");
        boolean usesTempKey = (mode & 0x03) != 0;
        if (usesTempKey) {
            if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid");
            if (((mode >>> 2) & 1) != (tempKey.sourceInput ? 1 : 0)) {
                tempKey.invalidate();
                throw ChipFailure.exec("TempKey source mismatch");
            }
        }
        requireRandomNonce(slot, usesTempKey);
        if ((mode & 0x02) == 0) useKey(slot);
        byte[] challenge = Arrays.copyOfRange(data, 0, 32);
        byte[] response = Arrays.copyOfRange(data, 32, 64);
        byte[] other = Arrays.copyOfRange(data, 64, 77);
        byte[] block1 = (mode & 0x02) != 0 ? tempKey.first32() : Arrays.copyOf(slots[slot], 32);
        byte[] block2 = (mode & 0x01) != 0 ? tempKey.first32() : challenge;
        byte[] otp8 = (mode & 0x20) != 0 ? Arrays.copyOf(otp, 8) : null;
        byte[] expected =
                HostCrypto.checkMacResponse(block1, block2, other, otp8, c.serialNumber());
        tempKey.invalidate();
        if (!MessageDigest.isEqual(expected, response)) {
            authorizedKey = -1;
            throw new ChipFailure(0x01, "MAC mismatch");
        }
        authorizedKey = slot;
        if (mode == 0x01 || mode == 0x05) copyToTempKey(c, slot);
        return OK;
    }

    /**
     * CheckMac's copy (password checking): after a match in mode 0x01/0x05 the target slot (KeyID+1
     * for an even KeyID, else KeyID itself) goes into TempKey with SourceFlag fixed, if its ReadKey
     * is 0; a private key is never copied.
     */
    private void copyToTempKey(ConfigZone c, int slot) {
        int target = (slot & 1) == 0 ? slot + 1 : slot;
        if (c.slotConfig(target).readKey() != 0 || c.keyConfig(target).isPrivate()) return;
        tempKey.load(Arrays.copyOf(slots[target], 32), true);
        tempKey.keyId = target;
    }

    private byte[] genDig(int zone, int keyId, byte[] data) throws ChipFailure {
        if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid");
        boolean is608 = type == DeviceType.ATECC608;
        if (zone > 2 && !is608) throw ChipFailure.parse("GenDig zone " + zone + " is a 608 zone");
        ConfigZone c = cfg();
        byte[] sn = c.serialNumber();
        byte[] tk = tempKey.first32();
        byte[] next;
        boolean dataSlot = false;
        boolean noMac = false;
        switch (zone) {
            case Zone.CONFIG -> {
                length(data, 0);
                if (keyId > 3) throw ChipFailure.parse("config block");
                next =
                        HostCrypto.genDig(
                                Arrays.copyOfRange(config, keyId * 32, keyId * 32 + 32),
                                zone,
                                keyId,
                                sn,
                                tk);
            }
            case Zone.OTP -> {
                length(data, 0);
                if (keyId > 1) throw ChipFailure.parse("OTP block");
                next =
                        HostCrypto.genDig(
                                Arrays.copyOfRange(otp, keyId * 32, keyId * 32 + 32),
                                zone,
                                keyId,
                                sn,
                                tk);
            }
            case Zone.DATA -> {
                if ((keyId & 0x8000) != 0) {
                    // a transport key of the hardware array: no slot rules apply
                    length(data, 0, 4);
                    byte[] key = transportKeys.get(keyId);
                    if (key == null)
                        throw ChipFailure.exec(
                                "no transport key " + Integer.toHexString(keyId) + " in this chip");
                    next = HostCrypto.genDig(key, zone, keyId, sn, tk);
                    break;
                }
                slotId(keyId);
                // keys are usable before the data lock (cryptoauthlib's write_enc_data_unlock test)
                if (!configLocked()) throw ChipFailure.exec("config zone unlocked");
                if (c.keyConfig(keyId).isPrivate())
                    throw ChipFailure.exec("slot " + keyId + " holds a private key");
                noMac = c.slotConfig(keyId).noMac();
                // OtherData (4 bytes) is required for NoMac keys and ignored otherwise;
                // cryptoauthlib
                // always sends it, as the header bytes, so both kinds of key give the same TempKey
                if (noMac) length(data, 4);
                else length(data, 0, 4);
                requireRandomNonce(keyId, true);
                useKey(keyId);
                byte[] key = Arrays.copyOf(slots[keyId], 32);
                next =
                        noMac
                                ? HostCrypto.genDigNoMac(key, data, sn, tk)
                                : HostCrypto.genDig(key, zone, keyId, sn, tk);
                dataSlot = true;
            }
            case 3 -> {
                length(data, 32);
                if ((keyId & 0x7F00) != 0) throw ChipFailure.parse("shared nonce keyId");
                next = HostCrypto.genDigSharedNonce(data, keyId, sn, tk);
            }
            case 4 -> {
                length(data, 0);
                if (keyId > 1) throw ChipFailure.parse("counter id");
                next =
                        HostCrypto.genDigCounter(
                                keyId,
                                decodeCounter(config, ConfigZone.COUNTER_0 + 8 * keyId),
                                sn,
                                tk);
            }
            case 5 -> {
                length(data, 0);
                slotId(keyId);
                next =
                        HostCrypto.genDigKeyConfig(
                                keyId,
                                c.slotConfig(keyId).value(),
                                c.keyConfig(keyId).value(),
                                c.slotLocked(keyId),
                                sn,
                                tk);
            }
            default -> throw ChipFailure.parse("GenDig zone " + zone);
        }
        boolean source = tempKey.sourceInput;
        tempKey.load(next, source);
        if (dataSlot) {
            tempKey.genDigData = true;
            tempKey.keyId = keyId;
            tempKey.noMac = noMac;
            authorizedKey = keyId;
        }
        return OK;
    }

    // ------------------------------------------------------------------ MAC, HMAC, DeriveKey

    /**
     * TempKey checks shared by MAC, HMAC and DeriveKey: valid, not NoMac, SourceFlag equal to mode
     * bit 2.
     */
    private void requireTempKeyFor(int mode) throws ChipFailure {
        boolean inputFlag = (mode & 0x04) != 0;
        if (!tempKey.valid || tempKey.noMac || inputFlag != tempKey.sourceInput) {
            tempKey.invalidate();
            throw ChipFailure.exec(
                    "TempKey invalid, NoMac, or its SourceFlag differs from mode bit 2");
        }
    }

    private byte[] mac(int mode, int slot, byte[] data) throws ChipFailure {
        if ((mode & ~0x77) != 0) throw ChipFailure.parse("mac mode");
        boolean block2FromTempKey = (mode & 0x01) != 0;
        boolean block1FromTempKey = (mode & 0x02) != 0;
        length(data, block2FromTempKey ? 0 : 32);
        if (!configLocked()) throw ChipFailure.exec("config zone unlocked");
        boolean usesTempKey = block1FromTempKey || block2FromTempKey;
        if (usesTempKey) requireTempKeyFor(mode);
        ConfigZone c = cfg();
        byte[] block1;
        if (block1FromTempKey) {
            block1 = tempKey.first32();
        } else {
            slotId(slot);
            if (c.keyConfig(slot).isPrivate())
                throw ChipFailure.exec("slot " + slot + " holds a private key");
            requireRandomNonce(slot, usesTempKey);
            useKey(slot);
            block1 = Arrays.copyOf(slots[slot], 32);
        }
        byte[] block2 = block2FromTempKey ? tempKey.first32() : data;
        byte[] response = HostCrypto.mac(mode, slot, block1, block2, otp, c.serialNumber());
        if (usesTempKey) tempKey.invalidate();
        return response;
    }

    private byte[] hmacCommand(int mode, int slot, byte[] data) throws ChipFailure {
        if ((mode & ~0x74) != 0) throw ChipFailure.parse("hmac mode");
        length(data, 0);
        slotId(slot);
        if (!configLocked()) throw ChipFailure.exec("config zone unlocked");
        requireTempKeyFor(mode);
        ConfigZone c = cfg();
        if (c.keyConfig(slot).isPrivate())
            throw ChipFailure.exec("slot " + slot + " holds a private key");
        requireRandomNonce(slot, true);
        useKey(slot);
        byte[] r =
                HostCrypto.hmacCommand(
                        mode,
                        slot,
                        Arrays.copyOf(slots[slot], 32),
                        tempKey.first32(),
                        otp,
                        c.serialNumber());
        tempKey.invalidate();
        return r;
    }

    /**
     * DeriveKey: WriteConfig bit 1 of the target allows it; bit 0 chooses Create (parent =
     * WriteKey) over Roll (parent = the target itself); bit 3 requires the authorising MAC.
     */
    private byte[] deriveKey(int mode, int target, byte[] data) throws ChipFailure {
        if ((mode & ~0x04) != 0) throw ChipFailure.parse("derivekey mode");
        length(data, 0, 32);
        slotId(target);
        if (!dataLocked()) throw ChipFailure.exec("data zone unlocked");
        ConfigZone c = cfg();
        KeyConfig kc = c.keyConfig(target);
        SlotConfig sc = c.slotConfig(target);
        if (kc.isPrivate()) throw ChipFailure.exec("slot " + target + " holds a private key");
        if (c.slotLocked(target)) throw ChipFailure.exec("slot " + target + " is locked");
        int wc = sc.writeConfig();
        if ((wc & 0x2) == 0)
            throw ChipFailure.exec("WriteConfig of slot " + target + " forbids DeriveKey");
        requireTempKeyFor(mode);
        requireRandomNonce(target, true);
        int parentSlot = (wc & 0x1) != 0 ? sc.writeKey() : target;
        useKey(parentSlot);
        byte[] parent = Arrays.copyOf(slots[parentSlot], 32);
        byte[] sn = c.serialNumber();
        if ((wc & 0x8) != 0) {
            if (data.length != 32) {
                tempKey.invalidate();
                throw ChipFailure.exec("DeriveKey on slot " + target + " needs a MAC");
            }
            if (!MessageDigest.isEqual(HostCrypto.deriveKeyMac(parent, mode, target, sn), data)) {
                tempKey.invalidate();
                throw ChipFailure.exec("DeriveKey MAC mismatch");
            }
        }
        byte[] key = HostCrypto.deriveKey(parent, mode, target, sn, tempKey.first32());
        tempKey.invalidate();
        System.arraycopy(key, 0, slots[target], 0, 32);
        save();
        return OK;
    }

    // ------------------------------------------------------------------ KDF (608)

    private static final int KDF_PRF = 0x00;
    private static final int KDF_AES = 0x20;
    private static final int KDF_HKDF = 0x40;

    private byte[] kdf(int mode, int keyId, byte[] data) throws ChipFailure {
        int source = mode & 0x03;
        int target = mode & 0x1C;
        int alg = mode & 0x60;
        if ((mode & 0x80) != 0 || alg == 0x60 || target > 0x14) throw ChipFailure.parse("kdf mode");
        if (data.length < 4) throw ChipFailure.parse("kdf details missing");
        long details =
                (data[0] & 0xFFL)
                        | (data[1] & 0xFFL) << 8
                        | (data[2] & 0xFFL) << 16
                        | (data[3] & 0xFFL) << 24;
        byte[] message;
        if (alg == KDF_AES) {
            length(data, 20);
            message = Arrays.copyOfRange(data, 4, 20);
        } else {
            int len = (int) (details >>> 24);
            if (data.length != 4 + len || len == 0 || len > 128)
                throw ChipFailure.parse("kdf message length");
            message = Arrays.copyOfRange(data, 4, data.length);
        }
        if (!configLocked()) throw ChipFailure.exec("config zone unlocked");
        ConfigZone c = cfg();
        byte[] sourceKey =
                switch (source) {
                    case 0 -> {
                        if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid");
                        yield tempKey.value.clone();
                    }
                    case 1 -> {
                        if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid");
                        yield Arrays.copyOfRange(tempKey.value, 32, 64);
                    }
                    case 2 -> {
                        int slot = keyId & 0xFF;
                        slotId(slot);
                        if (c.keyConfig(slot).isPrivate())
                            throw ChipFailure.exec("slot " + slot + " holds a private key");
                        useKey(slot);
                        yield slots[slot].clone();
                    }
                    default -> {
                        if (altKeyBuf == null) throw ChipFailure.exec("alternate key buffer empty");
                        yield altKeyBuf.clone();
                    }
                };
        byte[] result;
        byte[] aeadSecondHalf = null;
        switch (alg) {
            case KDF_PRF -> {
                if ((details & 0x00FFF8FCL) != 0) throw ChipFailure.parse("kdf prf details");
                int keyLength = 16 * (1 + (int) (details & 3));
                if (keyLength > sourceKey.length)
                    throw ChipFailure.exec("PRF key longer than its source");
                int outLength = (details & 0x100) != 0 ? 64 : 32;
                int aead = (int) ((details >>> 9) & 3);
                if (aead > 1 || (aead == 1 && outLength != 64))
                    throw ChipFailure.parse("kdf prf AEAD mode");
                result = KdfFunctions.prf(Arrays.copyOf(sourceKey, keyLength), message, outLength);
                if (aead == 1) {
                    aeadSecondHalf = Arrays.copyOfRange(result, 32, 64);
                    result = Arrays.copyOf(result, 32);
                }
            }
            case KDF_AES -> {
                if ((details & ~3L) != 0) throw ChipFailure.parse("kdf aes details");
                if (!c.kdfAesEnabled()) throw ChipFailure.exec("KDF AES disabled in ChipOptions");
                int at = 16 * (int) (details & 3);
                if (at + 16 > sourceKey.length)
                    throw ChipFailure.exec("AES key location beyond its source");
                result = KdfFunctions.aes(Arrays.copyOfRange(sourceKey, at, at + 16), message);
            }
            default -> {
                int location = (int) (details & 3);
                // bits 8-11 name the message slot when the message is in a slot
                long reserved = location == 0 ? 0x00FFF0F8L : 0x00FFFFF8L;
                if ((details & reserved) != 0) throw ChipFailure.parse("kdf hkdf details");
                byte[] key = (details & 4) != 0 ? new byte[32] : Arrays.copyOf(sourceKey, 32);
                byte[] m =
                        switch (location) {
                            case 1 -> {
                                if (!tempKey.valid || message.length > 64)
                                    throw ChipFailure.exec("HKDF message in TempKey");
                                yield Arrays.copyOf(tempKey.value, message.length);
                            }
                            case 2 -> message;
                            case 3 -> {
                                // the KDF IV function: the message must carry KdfIvStr at KdfIvLoc
                                int loc = config[ConfigZone.KDF_IV_LOC] & 0xFF;
                                if (loc + 2 > message.length
                                        || message[loc] != config[ConfigZone.KDF_IV_STR]
                                        || message[loc + 1] != config[ConfigZone.KDF_IV_STR + 1]) {
                                    throw ChipFailure.exec("KDF IV string not found at KdfIvLoc");
                                }
                                yield message;
                            }
                            default -> {
                                // the first MsgLength bytes of a slot; the input bytes are ignored
                                int slot = (int) (details >>> 8) & 0x0F;
                                if (message.length > Zone.slotSize(slot))
                                    throw ChipFailure.parse(
                                            "HKDF message longer than slot " + slot);
                                if (c.keyConfig(slot).isPrivate())
                                    throw ChipFailure.exec("slot " + slot + " holds a private key");
                                yield Arrays.copyOf(slots[slot], message.length);
                            }
                        };
                result = KdfFunctions.hkdf(key, m);
            }
        }
        ConfigZone.OutputProtection protection = c.kdfProtection();
        byte[] answer = OK;
        switch (target) {
            case 0x00 -> tempKey.load(result, tempKey.valid ? tempKey.sourceInput : false);
            case 0x04 -> {
                System.arraycopy(result, 0, tempKey.value, 32, 32);
                tempKey.valid = true;
            }
            case 0x08 -> {
                int slot = keyId >>> 8;
                slotId(slot);
                if (c.keyConfig(slot).isPrivate())
                    throw ChipFailure.exec("slot " + slot + " holds a private key");
                if (c.slotLocked(slot)) throw ChipFailure.exec("slot " + slot + " is locked");
                int wc = c.slotConfig(slot).writeConfig();
                if (dataLocked() && wc != 0 && (wc & 0x2) == 0) {
                    throw ChipFailure.exec(
                            "WriteConfig of slot "
                                    + slot
                                    + " allows neither clear writes nor DeriveKey");
                }
                System.arraycopy(
                        result, 0, slots[slot], 0, Math.min(result.length, Zone.slotSize(slot)));
                save();
            }
            case 0x0C -> altKeyBuf = Arrays.copyOf(result, 32);
            case 0x10 -> answer = protectedOutput(protection, c, result, false, "KDF");
            default -> answer = protectedOutput(protection, c, result, true, "KDF");
        }
        if (aeadSecondHalf != null && target < 0x10)
            answer = protectedOutput(protection, c, aeadSecondHalf, false, "KDF");
        return answer;
    }

    // ------------------------------------------------------------------ SecureBoot (608)

    private static final int SB_FULL = 5;
    private static final int SB_FULL_STORE = 6;
    private static final int SB_FULL_COPY = 7;

    private byte[] secureBoot(int mode, int p2, byte[] data) throws ChipFailure {
        if ((mode & ~0xC7) != 0 || p2 != 0) throw ChipFailure.parse("secureboot mode/param2");
        int m = mode & 0x07;
        if (m < SB_FULL) throw ChipFailure.parse("secureboot mode " + m);
        length(data, m == SB_FULL_STORE ? 32 : 96);
        if (!dataLocked()) throw ChipFailure.exec("data zone unlocked");
        ConfigZone c = cfg();
        ConfigZone.SecureBootConfig sb = c.secureBoot();
        if (sb.mode() == ConfigZone.SecureBootConfig.DISABLED)
            throw ChipFailure.exec("SecureBoot disabled in config");
        if (secureBootProhibited)
            throw ChipFailure.exec("SecureBoot prohibited until the next power cycle");
        if (m != SB_FULL && sb.mode() == ConfigZone.SecureBootConfig.FULL_BOTH) {
            throw ChipFailure.exec("SecureBootMode FullBoth takes digest and signature every time");
        }
        boolean encrypted = (mode & 0x80) != 0;
        byte[] digest = Arrays.copyOf(data, 32);
        byte[] key = null;
        if (encrypted) {
            byte[] ioKey = ioProtectionKey(c);
            if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid");
            if (sb.randNonce() && tempKey.sourceInput)
                throw ChipFailure.exec("SecureBootRandNonce requires a random nonce");
            key = HostCrypto.secureBootKey(ioKey, tempKey.first32());
            digest = HostCrypto.xor(digest, key);
            tempKey.invalidate();
        }
        if ((mode & 0x40) != 0) secureBootProhibited = true;
        int store = sb.sigDigSlot();
        byte[] signature = m == SB_FULL_STORE ? null : Arrays.copyOfRange(data, 32, 96);
        boolean ok;
        if (m == SB_FULL_STORE && sb.mode() == ConfigZone.SecureBootConfig.FULL_DIG) {
            ok = MessageDigest.isEqual(digest, Arrays.copyOf(slots[store], 32));
        } else {
            if (m == SB_FULL_STORE) signature = Arrays.copyOf(slots[store], 64);
            ECPoint q = pubFromSlot(sb.pubKeySlot());
            if (q == null)
                throw ChipFailure.exec("no public key in SecureBootPubKey slot " + sb.pubKeySlot());
            ok = P256.verify(q, digest, signature, 0);
        }
        if (!ok) throw new ChipFailure(0x01, "SecureBoot verification failed");
        if (m == SB_FULL_COPY) {
            if (sb.mode() == ConfigZone.SecureBootConfig.FULL_SIG && Zone.slotSize(store) < 64) {
                throw ChipFailure.exec("slot " + store + " is too small for a signature");
            }
            if (sb.mode() == ConfigZone.SecureBootConfig.FULL_DIG)
                System.arraycopy(digest, 0, slots[store], 0, 32);
            else System.arraycopy(signature, 0, slots[store], 0, 64);
            save();
        }
        if (sb.persistentEnable()) persistentLatch = true;
        if (!encrypted) return OK;
        byte[] macSignature =
                m == SB_FULL_STORE && sb.mode() == ConfigZone.SecureBootConfig.FULL_DIG
                        ? null
                        : signature;
        return HostCrypto.secureBootMac(key, digest, macSignature, mode, p2);
    }

    // ------------------------------------------------------------------ conveniences for owners of
    // the chip

    /**
     * Installs a transport key (KeyID 0x8000–0xFFFF) for GenDig over the data zone, as the factory
     * puts them in a part's hardware array; not part of the state file.
     */
    public synchronized void installTransportKey(int keyId, byte[] key32) {
        if (keyId < 0x8000 || keyId > 0xFFFF)
            throw new IllegalArgumentException("transport key ids are 0x8000-0xFFFF");
        if (key32.length != 32) throw new IllegalArgumentException("transport keys are 32 bytes");
        transportKeys.put(keyId, key32.clone());
    }

    /**
     * Writes a config image directly, as if it had been programmed and not yet locked (test setup
     * helper).
     */
    public synchronized void loadConfig(byte[] image) {
        if (configLocked()) throw new IllegalStateException("config zone locked");
        for (int i = 16; i < Zone.CONFIG_SIZE; i++) {
            if (i == ConfigZone.LOCK_VALUE || i == ConfigZone.LOCK_CONFIG) continue;
            config[i] = image[i];
        }
        save();
    }
}
