package dev.meerkat.chip.emulator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.math.ec.ECPoint;

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

/**
 * An ATECC608 (or ATECC508A) as seen from its I2C pins: wake pulse, word-address frames, response
 * reads. Persistent memory (config, data slots, OTP) follows the datasheet layout and lock rules;
 * SlotConfig/KeyConfig permissions are enforced; TempKey, the message digest buffer and the SHA
 * context are volatile and lost on sleep. Optionally persists itself to a state file after every
 * change and models the datasheet execution times.
 */
public final class EmulatedChip {
    private enum Power { SLEEP, IDLE, ACTIVE }

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
    private byte[] msgDigBuf;
    private MessageDigest sha;
    private Mac hmac;
    private boolean selfTestFailed;
    private boolean unpowered;

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
        int keyId;

        void invalidate() {
            valid = false;
            genDigData = false;
            genKeyData = false;
            noMac = false;
            keyId = 0;
        }

        void load(byte[] v, boolean input) {
            Arrays.fill(value, (byte) 0);
            System.arraycopy(v, 0, value, 0, Math.min(64, v.length));
            valid = true;
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

    /** A factory-fresh chip (unlocked zones, zeroed slot/key configs) with the given nine-byte serial number. */
    public EmulatedChip(DeviceType type, byte[] serialNumber, SecureRandom rng) {
        this.type = type;
        this.rng = rng;
        this.config = factoryConfig(type, serialNumber);
        for (int i = 0; i < 16; i++) slots[i] = new byte[Zone.slotSize(i)];
        this.otp = new byte[Zone.OTP_SIZE];
    }

    /** A factory-fresh chip with a random serial number (SN[0:1] = 01 23, SN[8] = EE as on real parts). */
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

    // ------------------------------------------------------------------ configuration of the emulator

    public DeviceType type() {
        return type;
    }

    public Faults faults() {
        return faults;
    }

    public void timing(TimingModel model) {
        this.timing = model;
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

    /** Number of commands executed and the sum of their datasheet execution times in milliseconds. */
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
        if (power == Power.SLEEP) clearVolatile();
        power = Power.ACTIVE;
        if (faults.selfTestFailure) selfTestFailed = true;
        output = selfTestFailed ? Packet.WAKE_SELF_TEST_FAILED.clone() : Packet.WAKE_RESPONSE.clone();
        readyAtNanos = 0;
        return output.clone();
    }

    /** An I2C write: {@code [word address][payload]}. */
    public synchronized void i2cWrite(byte[] frame) {
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
            default -> throw new ChipCommunicationException(String.format("NACK: word address 0x%02X", frame[0]));
        }
    }

    /** An I2C read of the output buffer. */
    public synchronized byte[] i2cRead() {
        if (power != Power.ACTIVE) throw new ChipCommunicationException("NACK: chip is not awake");
        if (faults.takeBusy() || (readyAtNanos != 0 && System.nanoTime() < readyAtNanos)) {
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
        sha = null;
        hmac = null;
    }

    private void command(byte[] packet) {
        int count = packet.length == 0 ? 0 : packet[0] & 0xFF;
        if (count < Packet.MIN_COMMAND || count != packet.length || !Crc16.check(packet, count) || faults.takeCommError()) {
            output = Packet.statusResponse(0xFF);
            return;
        }
        int opcode = packet[1] & 0xFF;
        int p1 = packet[2] & 0xFF;
        int p2 = (packet[3] & 0xFF) | (packet[4] & 0xFF) << 8;
        byte[] data = Arrays.copyOfRange(packet, 5, count - 2);
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
        int ms = Math.max(type.executionMillis(opcode), 0);
        chipMillis += ms;
        readyAtNanos = timing == TimingModel.DATASHEET ? System.nanoTime() + ms * 1_000_000L : 0;
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
        if (selfTestFailed && opcode != Opcode.SELFTEST && opcode != Opcode.INFO && opcode != Opcode.READ) {
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
        return s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && P256.validScalar(privateKey(slot));
    }

    private void requirePrivateEcc(int slot) throws ChipFailure {
        KeyConfig kc = cfg().keyConfig(slot);
        if (!kc.isPrivate() || !kc.isEccKey()) throw ChipFailure.exec("slot " + slot + " is not a P-256 private key");
    }

    // ------------------------------------------------------------------ Info / Random / Nonce

    private byte[] info(int mode, int p2, byte[] data) throws ChipFailure {
        length(data, 0);
        switch (mode) {
            case 0x00:
                return Arrays.copyOfRange(config, ConfigZone.REVISION, ConfigZone.REVISION + 4);
            case 0x01: {
                slotId(p2);
                KeyConfig kc = cfg().keyConfig(p2);
                boolean valid = kc.isEccKey() && (kc.isPrivate() ? privateKeyValid(p2) : pubFromSlot(p2) != null);
                return new byte[] {(byte) (valid ? 1 : 0), 0, 0, 0};
            }
            case 0x02:
                return new byte[] {(byte) tempKey.flags(), (byte) (tempKey.valid ? 1 : 0), 0, 0};
            default:
                throw ChipFailure.parse("info mode " + mode);
        }
    }

    private byte[] rngBytes() {
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
        if (calc == 0 || calc == 1) {
            if ((mode & ~0x03) != 0 || p2 != 0) throw ChipFailure.parse("nonce random mode/param2");
            length(data, 20);
            byte[] randOut = rngBytes();
            tempKey.load(HostCrypto.nonceTempKey(randOut, data, mode), false);
            return randOut;
        }
        if (calc == 3) {
            boolean long64 = (mode & 0x20) != 0;
            if (long64 && type != DeviceType.ATECC608) throw ChipFailure.parse("64-byte nonce");
            length(data, long64 ? 64 : 32);
            int target = mode & 0xC0;
            if (target != 0 && type != DeviceType.ATECC608) throw ChipFailure.parse("nonce target");
            switch (target) {
                case 0x00 -> tempKey.load(data, true);
                case 0x40 -> msgDigBuf = Arrays.copyOf(data, 64);
                case 0x80 -> { /* alternate key buffer: accepted, not used by emulated commands */ }
                default -> throw ChipFailure.parse("nonce target");
            }
            return OK;
        }
        throw ChipFailure.parse("nonce mode " + mode);
    }

    // ------------------------------------------------------------------ keys

    private byte[] genKey(int mode, int slot, byte[] data) throws ChipFailure {
        if ((mode & ~0x1C) != 0) throw ChipFailure.parse("genkey mode");
        length(data, 0, 3);
        slotId(slot);
        if (!configLocked()) throw ChipFailure.exec("config zone unlocked");
        requirePrivateEcc(slot);
        ConfigZone c = cfg();
        byte[] pub;
        if ((mode & 0x04) != 0) {
            if (dataLocked()) {
                if (!c.slotConfig(slot).genKeyAllowed()) throw ChipFailure.exec("WriteConfig forbids GenKey in slot " + slot);
                if (c.slotLocked(slot)) throw ChipFailure.exec("slot " + slot + " is locked");
            }
            byte[] d = P256.newScalar(rng);
            byte[] stored = new byte[36];
            System.arraycopy(d, 0, stored, 4, 32);
            slots[slot] = stored;
            pub = P256.publicKey(d);
            save();
        } else if ((mode & 0x10) != 0) {
            throw ChipFailure.parse("public key digest mode not emulated");
        } else {
            if (!privateKeyValid(slot)) throw ChipFailure.exec("no valid key in slot " + slot);
            pub = P256.publicKey(privateKey(slot));
        }
        if ((mode & 0x08) != 0) {
            if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid for GenKey digest");
            byte[] digest = HostCrypto.genKeyDigest(tempKey.first32(), mode, slot, c.serialNumber(), pub);
            tempKey.load(digest, tempKey.sourceInput);
            tempKey.genKeyData = true;
            tempKey.keyId = slot;
        }
        return pub;
    }

    private byte[] sign(int mode, int slot, byte[] data) throws ChipFailure {
        if ((mode & ~0xE1) != 0) throw ChipFailure.parse("sign mode");
        if ((mode & 0x01) != 0) throw ChipFailure.parse("sign for invalidate not emulated");
        length(data, 0);
        slotId(slot);
        if (!configLocked()) throw ChipFailure.exec("config zone unlocked");
        requirePrivateEcc(slot);
        if (!privateKeyValid(slot)) throw ChipFailure.exec("no valid key in slot " + slot);
        ConfigZone c = cfg();
        SlotConfig sc = c.slotConfig(slot);
        byte[] digest;
        if ((mode & 0x80) != 0) {
            if (!sc.externalSignAllowed()) throw ChipFailure.exec("external signatures disabled for slot " + slot);
            if ((mode & 0x20) != 0) {
                if (type != DeviceType.ATECC608 || msgDigBuf == null) throw ChipFailure.exec("message digest buffer empty");
                digest = Arrays.copyOf(msgDigBuf, 32);
            } else {
                if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid");
                digest = tempKey.first32();
            }
        } else {
            if (!sc.internalSignAllowed()) throw ChipFailure.exec("internal signatures disabled for slot " + slot);
            if (!tempKey.valid || !(tempKey.genDigData || tempKey.genKeyData)) {
                throw ChipFailure.exec("TempKey not from GenDig/GenKey");
            }
            int k = tempKey.keyId;
            byte[] msg = HostCrypto.signInternalMessage(tempKey.first32(), mode, slot, c.slotConfig(k).value(),
                    c.keyConfig(k).value(), tempKey.flags(), c.serialNumber(), c.slotLocked(k), false);
            digest = HostCrypto.sha256(msg);
        }
        byte[] sig = P256.sign(privateKey(slot), digest, rng);
        tempKey.invalidate();
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
        byte[] digest;
        if ((mode & 0x20) != 0) {
            if (type != DeviceType.ATECC608 || msgDigBuf == null) throw ChipFailure.exec("message digest buffer empty");
            digest = Arrays.copyOf(msgDigBuf, 32);
        } else {
            if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid");
            digest = tempKey.first32();
        }
        ECPoint q;
        if (kind == 0x02) {
            if (p2 != 0x0004) throw ChipFailure.parse("only P-256 keys");
            length(data, 128);
            q = P256.point(data, 64);
            if (q == null) throw ChipFailure.exec("public key not on curve");
        } else if (kind == 0x00) {
            slotId(p2);
            length(data, 64);
            KeyConfig kc = cfg().keyConfig(p2);
            if (!kc.isEccKey() || kc.isPrivate()) throw ChipFailure.exec("slot " + p2 + " holds no public key");
            q = pubFromSlot(p2);
            if (q == null) throw ChipFailure.exec("slot " + p2 + " holds no valid public key");
        } else {
            throw ChipFailure.parse("verify validate/invalidate not emulated");
        }
        tempKey.invalidate();
        if (!P256.verify(q, digest, data, 0)) throw new ChipFailure(0x01, "signature mismatch");
        return OK;
    }

    private byte[] ecdh(int mode, int slot, byte[] data) throws ChipFailure {
        length(data, 64);
        slotId(slot);
        if (!configLocked()) throw ChipFailure.exec("config zone unlocked");
        requirePrivateEcc(slot);
        if (!privateKeyValid(slot)) throw ChipFailure.exec("no valid key in slot " + slot);
        SlotConfig sc = cfg().slotConfig(slot);
        if (!sc.ecdhAllowed()) throw ChipFailure.exec("ECDH disabled for slot " + slot);
        if ((mode & 0x03) != 0) throw ChipFailure.parse("ECDH from TempKey / encrypted output not emulated");
        ECPoint q = P256.point(data, 0);
        if (q == null) throw ChipFailure.exec("peer key not on curve");
        byte[] secret = P256.ecdh(privateKey(slot), q);
        if (secret == null) throw ChipFailure.exec("point at infinity");
        int copy = mode & 0x0C;
        if (copy == 0x00 && type == DeviceType.ATECC608 && mode != 0) throw ChipFailure.parse("ECDH mode");
        switch (copy) {
            case 0x0C:
                if (type != DeviceType.ATECC608) throw ChipFailure.parse("ECDH mode");
                return secret;
            case 0x08:
                if (type != DeviceType.ATECC608) throw ChipFailure.parse("ECDH mode");
                tempKey.load(secret, false);
                return OK;
            case 0x04:
                if (type != DeviceType.ATECC608) throw ChipFailure.parse("ECDH mode");
                storeEcdh(slot | 1, secret);
                return OK;
            default:
                if (sc.ecdhToNextSlot()) {
                    storeEcdh(slot | 1, secret);
                    return OK;
                }
                return secret;
        }
    }

    private void storeEcdh(int target, byte[] secret) throws ChipFailure {
        if (target == 0 || target > 15) throw ChipFailure.exec("no slot for the ECDH secret");
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
        if (r[0] + r[1] > r[2]) throw ChipFailure.parse("read past end of zone");
        if (zone == Zone.CONFIG) return Arrays.copyOfRange(config, r[0], r[0] + r[1]);
        if (!dataLocked()) throw ChipFailure.exec("data zone unlocked: no reads of data or OTP");
        if (zone == Zone.OTP) return Arrays.copyOfRange(otp, r[0], r[0] + r[1]);
        int slot = r[3];
        ConfigZone c = cfg();
        KeyConfig kc = c.keyConfig(slot);
        SlotConfig sc = c.slotConfig(slot);
        if (kc.isPrivate() && kc.isEccKey()) throw ChipFailure.exec("private keys are never readable");
        byte[] plain = Arrays.copyOfRange(slots[slot], r[0], r[0] + r[1]);
        if (!sc.isSecret()) return plain;
        if (!sc.encryptRead()) throw ChipFailure.exec("secret slot " + slot + " is not readable");
        if (!size32) throw ChipFailure.exec("encrypted reads are 32 bytes");
        if (!tempKey.valid || !tempKey.genDigData || tempKey.noMac || tempKey.keyId != sc.readKey()) {
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
                // word 3: only AES_Enable (13) and I2C_Enable (14) may change; SN[8] and byte 15 stay
                config[13] = data[1];
                config[14] = data[2];
                save();
                return OK;
            }
            if (start < 16) throw ChipFailure.exec("config bytes 0-15 are read-only");
            if (!size32 && start == 84) throw ChipFailure.exec("UserExtra/Selector/Lock bytes are not writable with Write");
            for (int i = 0; i < len; i++) {
                int a = start + i;
                if (a >= 84 && a < 88) continue;
                config[a] = data[i];
            }
            save();
            return OK;
        }
        if (!configLocked()) throw ChipFailure.exec("config zone must be locked before writing data or OTP");
        if (zone == Zone.OTP) {
            if (dataLocked()) throw ChipFailure.exec("OTP is read-only after the data lock");
            if (encrypted || !size32) throw ChipFailure.exec("only 32-byte clear writes before the data lock");
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
            if (encrypted || !size32) throw ChipFailure.exec("only 32-byte clear writes before the data lock");
            System.arraycopy(data, 0, slots[slot], start, Math.min(len, avail));
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
            case ENCRYPT -> {
                if (!encrypted || !size32) throw ChipFailure.exec("slot " + slot + " requires encrypted 32-byte writes");
                if (!tempKey.valid || !tempKey.genDigData || tempKey.noMac || tempKey.keyId != sc.writeKey()) {
                    tempKey.invalidate();
                    throw ChipFailure.exec("encrypted write needs GenDig with the write key");
                }
                byte[] tk = tempKey.first32();
                plain = HostCrypto.xor(Arrays.copyOf(data, 32), tk);
                byte[] mac = HostCrypto.writeMac(tk, p1, address, c.serialNumber(), plain);
                tempKey.invalidate();
                if (!MessageDigest.isEqual(mac, Arrays.copyOfRange(data, 32, 64))) throw ChipFailure.exec("write MAC mismatch");
            }
            default -> throw ChipFailure.exec("WriteConfig forbids writes to slot " + slot);
        }
        System.arraycopy(plain, 0, slots[slot], start, Math.min(plain.length, avail));
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
            if (p1 != 0x40) throw ChipFailure.exec("PrivWrite must be encrypted after the data lock");
            if (data.length != 68) throw ChipFailure.parse("MAC missing");
            if (!sc.privWriteAllowed()) throw ChipFailure.exec("WriteConfig forbids PrivWrite to slot " + slot);
            if (c.slotLocked(slot)) throw ChipFailure.exec("slot " + slot + " is locked");
            if (!tempKey.valid || !tempKey.genDigData || tempKey.noMac || tempKey.keyId != sc.writeKey()) {
                tempKey.invalidate();
                throw ChipFailure.exec("PrivWrite needs GenDig with the write key");
            }
            byte[] tk = tempKey.first32();
            value = HostCrypto.privWriteEncrypt(Arrays.copyOf(data, 36), tk); // XOR is its own inverse
            byte[] mac = HostCrypto.privWriteMac(tk, p1, slot, c.serialNumber(), value);
            tempKey.invalidate();
            if (!MessageDigest.isEqual(mac, Arrays.copyOfRange(data, 36, 68))) throw ChipFailure.exec("PrivWrite MAC mismatch");
        }
        if (value[0] != 0 || value[1] != 0 || value[2] != 0 || value[3] != 0) throw ChipFailure.exec("key padding not zero");
        if (!P256.validScalar(Arrays.copyOfRange(value, 4, 36))) throw ChipFailure.exec("invalid P-256 scalar");
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
                if (!noCrc && Crc16.compute(config) != summary) throw ChipFailure.exec("config CRC mismatch");
                config[ConfigZone.LOCK_CONFIG] = (byte) ConfigZone.LOCKED;
            }
            case 1 -> {
                if ((mode & 0x3C) != 0) throw ChipFailure.parse("lock mode");
                if (!configLocked()) throw ChipFailure.exec("lock the config zone first");
                if (dataLocked()) throw ChipFailure.exec("data zone already locked");
                if (!noCrc && Crc16.compute(dataZoneImage()) != summary) throw ChipFailure.exec("data CRC mismatch");
                config[ConfigZone.LOCK_VALUE] = (byte) ConfigZone.LOCKED;
            }
            case 2 -> {
                int slot = (mode >>> 2) & 0x0F;
                if (!dataLocked()) throw ChipFailure.exec("slot locks need a locked data zone");
                ConfigZone c = cfg();
                if (!c.keyConfig(slot).lockable()) throw ChipFailure.exec("slot " + slot + " is not lockable");
                if (c.slotLocked(slot)) throw ChipFailure.exec("slot " + slot + " already locked");
                // cryptoauthlib's atcab_lock_data_slot sends a zero summary without the no-CRC flag
                if (!noCrc && summary != 0 && Crc16.compute(slots[slot]) != summary) throw ChipFailure.exec("slot CRC mismatch");
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
        switch (mode) {
            case 0 -> {
                length(data, 0);
                sha = newSha();
                hmac = null;
                return OK;
            }
            case 4 -> {
                length(data, 0);
                slotId(p2);
                KeyConfig kc = cfg().keyConfig(p2);
                if (kc.isPrivate()) throw ChipFailure.exec("HMAC key slot holds a private key");
                try {
                    hmac = Mac.getInstance("HmacSHA256");
                    hmac.init(new SecretKeySpec(Arrays.copyOf(slots[p2], 32), "HmacSHA256"));
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
                sha = null;
                return OK;
            }
            case 1 -> {
                if (p2 != 64) throw ChipFailure.parse("update takes 64 bytes");
                length(data, 64);
                if (sha != null) sha.update(data);
                else if (hmac != null) hmac.update(data);
                else throw ChipFailure.exec("no SHA context");
                return OK;
            }
            case 2, 5 -> {
                if (mode == 5 && is608) throw ChipFailure.parse("608 ends HMAC with mode 2");
                if (p2 != data.length || data.length > 63) throw ChipFailure.parse("end takes 0-63 bytes");
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
                if (is608) {
                    switch (target) {
                        case 0x00 -> tempKey.load(digest, true);
                        case 0x40 -> msgDigBuf = Arrays.copyOf(digest, 64);
                        case 0xC0 -> { }
                        default -> throw ChipFailure.parse("sha target");
                    }
                } else {
                    tempKey.load(digest, true);
                }
                return digest;
            }
            default -> throw ChipFailure.parse("sha mode " + mode + " not emulated");
        }
    }

    private static MessageDigest newSha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static final long COUNTER_MAX = 2097151L;

    /** Counter encoding of the config zone: two 16-bit linear fields and two binary fields (big endian). */
    static byte[] encodeCounter(long value) {
        int linA = 0xFFFF >>> (int) (value % 32);
        int linB = 0xFFFF >>> (int) (value >= 16 ? (value - 16) % 32 : 0);
        int binA = (int) (value / 32);
        int binB = value >= 16 ? (int) ((value - 16) / 32) : 0;
        return new byte[] {(byte) (linA >>> 8), (byte) linA, (byte) (linB >>> 8), (byte) linB,
            (byte) (binA >>> 8), (byte) binA, (byte) (binB >>> 8), (byte) binB};
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
        int off = ConfigZone.COUNTER_0 + 8 * id;
        long v = decodeCounter(config, off);
        if (mode == 1) {
            if (!configLocked()) throw ChipFailure.exec("config zone unlocked");
            if (v >= COUNTER_MAX) throw ChipFailure.exec("counter at its limit");
            v++;
            System.arraycopy(encodeCounter(v), 0, config, off, 8);
            save();
        }
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    private byte[] selfTest(int mode, byte[] data) throws ChipFailure {
        if ((mode & ~0x3F) != 0 || mode == 0) throw ChipFailure.parse("selftest mode");
        length(data, 0);
        if (faults.selfTestFailure) {
            selfTestFailed = true;
            throw new ChipFailure(0x07, "self test failed");
        }
        selfTestFailed = false;
        return OK;
    }

    private byte[] aes(int mode, int p2, byte[] data) throws ChipFailure {
        int op = mode & 0x07;
        if ((mode & 0x38) != 0 || (op != 0 && op != 1)) throw ChipFailure.parse("aes mode (GFM not emulated)");
        length(data, 16);
        if (!cfg().aesEnabled()) throw ChipFailure.exec("AES disabled in config");
        byte[] key;
        int block = mode >>> 6;
        if (p2 == 0xFFFF) {
            if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid");
            key = Arrays.copyOfRange(tempKey.value, block * 16, block * 16 + 16);
        } else {
            slotId(p2);
            if (cfg().keyConfig(p2).keyType() != KeyConfig.TYPE_AES) throw ChipFailure.exec("slot " + p2 + " is not an AES key");
            if (block * 16 + 16 > Zone.slotSize(p2)) throw ChipFailure.parse("key block beyond slot");
            key = Arrays.copyOfRange(slots[p2], block * 16, block * 16 + 16);
        }
        try {
            Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
            c.init(op == 0 ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"));
            return c.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] updateExtra(int mode, int p2, byte[] data) throws ChipFailure {
        length(data, 0);
        if (!configLocked()) throw ChipFailure.exec("config zone unlocked");
        if (mode == 0 || mode == 1) {
            int at = mode == 0 ? ConfigZone.USER_EXTRA : ConfigZone.USER_EXTRA_ADD;
            if (config[at] != 0) throw ChipFailure.exec("byte " + at + " already set");
            config[at] = (byte) p2;
            save();
            return OK;
        }
        throw ChipFailure.parse("UpdateExtra mode " + mode + " not emulated");
    }

    private byte[] checkMac(int mode, int slot, byte[] data) throws ChipFailure {
        if ((mode & ~0x27) != 0) throw ChipFailure.parse("checkmac mode");
        length(data, 77);
        slotId(slot);
        if (!dataLocked()) throw ChipFailure.exec("data zone unlocked");
        ConfigZone c = cfg();
        if (c.keyConfig(slot).isPrivate()) throw ChipFailure.exec("slot " + slot + " holds a private key");
        boolean usesTempKey = (mode & 0x03) != 0;
        if (usesTempKey) {
            if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid");
            if (((mode >>> 2) & 1) != (tempKey.sourceInput ? 1 : 0)) throw ChipFailure.exec("TempKey source mismatch");
        }
        byte[] challenge = Arrays.copyOfRange(data, 0, 32);
        byte[] response = Arrays.copyOfRange(data, 32, 64);
        byte[] other = Arrays.copyOfRange(data, 64, 77);
        byte[] block1 = (mode & 0x02) != 0 ? tempKey.first32() : Arrays.copyOf(slots[slot], 32);
        byte[] block2 = (mode & 0x01) != 0 ? tempKey.first32() : challenge;
        byte[] otp8 = (mode & 0x20) != 0 ? Arrays.copyOf(otp, 8) : null;
        byte[] expected = HostCrypto.checkMacResponse(block1, block2, other, otp8, c.serialNumber());
        tempKey.invalidate();
        if (!MessageDigest.isEqual(expected, response)) throw new ChipFailure(0x01, "MAC mismatch");
        return OK;
    }

    private byte[] genDig(int zone, int keyId, byte[] data) throws ChipFailure {
        length(data, 0);
        if (!tempKey.valid) throw ChipFailure.exec("TempKey invalid");
        ConfigZone c = cfg();
        byte[] value;
        switch (zone) {
            case Zone.CONFIG -> {
                if (keyId > 3) throw ChipFailure.parse("config block");
                value = Arrays.copyOfRange(config, keyId * 32, keyId * 32 + 32);
            }
            case Zone.OTP -> {
                if (keyId > 1) throw ChipFailure.parse("OTP block");
                value = Arrays.copyOfRange(otp, keyId * 32, keyId * 32 + 32);
            }
            case Zone.DATA -> {
                slotId(keyId);
                if (!dataLocked()) throw ChipFailure.exec("data zone unlocked");
                if (c.keyConfig(keyId).isPrivate()) throw ChipFailure.exec("slot " + keyId + " holds a private key");
                value = Arrays.copyOf(slots[keyId], 32);
            }
            default -> throw ChipFailure.parse("GenDig zone " + zone + " not emulated");
        }
        byte[] next = HostCrypto.genDig(value, zone, keyId, c.serialNumber(), tempKey.first32());
        boolean source = tempKey.sourceInput;
        tempKey.load(next, source);
        if (zone == Zone.DATA) {
            tempKey.genDigData = true;
            tempKey.keyId = keyId;
            tempKey.noMac = c.slotConfig(keyId).noMac();
        }
        return OK;
    }

    // ------------------------------------------------------------------ conveniences for owners of the chip

    /** Writes a config image directly, as if it had been programmed and not yet locked (test setup helper). */
    public synchronized void loadConfig(byte[] image) {
        if (configLocked()) throw new IllegalStateException("config zone locked");
        for (int i = 16; i < Zone.CONFIG_SIZE; i++) {
            if (i == ConfigZone.LOCK_VALUE || i == ConfigZone.LOCK_CONFIG) continue;
            config[i] = image[i];
        }
        save();
    }
}
