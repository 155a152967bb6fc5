package dev.meerkat.chip;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * Driver for one ATECC508A/608: frames commands, wakes the chip, waits the datasheet execution
 * time, reads and checks the response, idles the chip, retries communication errors and maps error
 * statuses to {@link ChipStatusException}. Not thread-safe by itself; methods are synchronized so
 * one chip can be shared by a TLS stack and a provisioning tool.
 */
public final class CryptoChip implements AutoCloseable {
    /** How long to wait between sending a command and reading its response. */
    public enum Wait {
        /** The datasheet maximum execution time, then poll. */
        DATASHEET,
        /** Read at once and poll while the chip does not answer (emulators, tests). */
        POLL
    }

    /** Pluggable sleeping so timing can be simulated. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    private static final int POLL_LIMIT = 500;

    private final Transport transport;
    private final DeviceType type;
    private final int retries;
    private final Wait wait;
    private final Sleeper sleeper;
    private final SecureRandom random = new SecureRandom();
    private byte[] serialCache;
    private long commandCount;
    private long retryCount;

    public CryptoChip(Transport transport, DeviceType type) {
        this(transport, type, 3, Wait.DATASHEET, Thread::sleep);
    }

    public CryptoChip(
            Transport transport, DeviceType type, int retries, Wait wait, Sleeper sleeper) {
        this.transport = Objects.requireNonNull(transport);
        this.type = Objects.requireNonNull(type);
        this.retries = retries;
        this.wait = wait;
        this.sleeper = sleeper;
    }

    public DeviceType type() {
        return type;
    }

    public Transport transport() {
        return transport;
    }

    /** Commands executed and retries needed so far (for statistics). */
    public long commandCount() {
        return commandCount;
    }

    public long retryCount() {
        return retryCount;
    }

    // ------------------------------------------------------------------ core exchange

    /**
     * Executes one command and returns the response body (data, or the single status byte 0x00).
     */
    public synchronized byte[] execute(int opcode, int param1, int param2, byte[] data) {
        byte[] packet = Packet.command(opcode, param1, param2, data);
        ChipException last = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            if (attempt > 0) retryCount++;
            try {
                byte[] body = exchange(opcode, packet);
                if (body.length == 1 && body[0] != 0) {
                    ChipStatusException e = new ChipStatusException(opcode, body[0]);
                    if (isTransient(e.status())) {
                        last = e;
                        continue;
                    }
                    throw e;
                }
                commandCount++;
                return body;
            } catch (ChipCommunicationException e) {
                last = e;
                safeSleepChip();
            }
        }
        throw last;
    }

    private static boolean isTransient(ChipStatus status) {
        return status == ChipStatus.CRC_OR_COMM_ERROR
                || status == ChipStatus.AFTER_WAKE
                || status == ChipStatus.WATCHDOG_EXPIRING;
    }

    private byte[] exchange(int opcode, byte[] packet) {
        wake(opcode == Opcode.SELFTEST);
        try {
            transport.send(packet);
            if (wait == Wait.DATASHEET) pause(Math.max(type.executionMillis(opcode), 1));
            byte[] response = pollResponse();
            byte[] body;
            try {
                body = Packet.body(response);
            } catch (ChipCommunicationException crc) {
                // The response stays in the chip's output buffer: read it again once.
                body = Packet.body(transport.receive());
            }
            return body;
        } finally {
            try {
                transport.idle();
            } catch (ChipException ignored) {
                // the next wake recovers
            }
        }
    }

    private byte[] pollResponse() {
        ChipCommunicationException last = null;
        for (int i = 0; i < POLL_LIMIT; i++) {
            try {
                return transport.receive();
            } catch (ChipCommunicationException e) {
                last = e;
                pause(1);
            }
        }
        throw last;
    }

    /** Wakes the chip and checks the wake answer. */
    public void wake() {
        wake(false);
    }

    /**
     * Wakes the chip; a failed self test is tolerated only when the next command is SelfTest
     * itself.
     */
    private void wake(boolean selfTestFollows) {
        byte[] w = transport.sendWake();
        if (Arrays.equals(w, Packet.WAKE_RESPONSE)) return;
        if (Arrays.equals(w, Packet.WAKE_SELF_TEST_FAILED)) {
            if (selfTestFollows) return;
            throw new ChipStatusException(Opcode.SELFTEST, ChipStatus.SELF_TEST_ERROR.code());
        }
        throw new ChipCommunicationException("unexpected wake response " + Hex.format(w));
    }

    /**
     * Puts the chip to sleep (TempKey and the other volatile state are lost); an idle chip is woken
     * first.
     */
    public synchronized void sleep() {
        transport.sendWake();
        transport.sleep();
    }

    private void safeSleepChip() {
        try {
            transport.sleep();
        } catch (ChipException ignored) {
            // best effort: a sleeping chip resynchronises on the next wake
        }
    }

    private void pause(long millis) {
        try {
            sleeper.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChipCommunicationException("interrupted while waiting for the chip", e);
        }
    }

    private static byte[] expect(byte[] body, int length, int opcode) {
        if (body.length != length) {
            throw new ChipCommunicationException(
                    Opcode.name(opcode) + ": expected " + length + " bytes, got " + body.length);
        }
        return body;
    }

    // ------------------------------------------------------------------ Info, Random, Nonce

    /** Info(Revision): four bytes, e.g. {@code 00 00 60 02} for an ATECC608A. */
    public byte[] info() {
        return expect(execute(Opcode.INFO, 0x00, 0, null), 4, Opcode.INFO);
    }

    /** Info(KeyValid): whether an ECC key in the slot is valid. */
    public boolean keyValid(int slot) {
        return (expect(execute(Opcode.INFO, 0x01, slot, null), 4, Opcode.INFO)[0] & 1) != 0;
    }

    /** Info(State): TempKey flags and validity as four bytes. */
    public byte[] infoState() {
        return expect(execute(Opcode.INFO, 0x02, 0, null), 4, Opcode.INFO);
    }

    /** 32 random bytes (the fixed FF FF 00 00 pattern while the config zone is unlocked). */
    public byte[] random() {
        return expect(execute(Opcode.RANDOM, 0, 0, null), 32, Opcode.RANDOM);
    }

    /** Result of Nonce in random mode: what the chip returned and the TempKey it now holds. */
    public record Nonce(byte[] randOut, byte[] tempKey) {}

    /** Nonce random mode with a 20-byte NumIn; returns RandOut and the resulting TempKey. */
    public Nonce nonceRandom(byte[] numIn) {
        if (numIn.length != 20) throw new IllegalArgumentException("NumIn is 20 bytes");
        byte[] randOut = expect(execute(Opcode.NONCE, 0x00, 0, numIn), 32, Opcode.NONCE);
        return new Nonce(randOut, HostCrypto.nonceTempKey(randOut, numIn, 0x00));
    }

    /** Nonce pass-through: loads 32 bytes into TempKey. */
    public void nonceLoad(byte[] value32) {
        nonceLoad(0x00, value32);
    }

    /**
     * Nonce pass-through to a target: 0x00 TempKey, 0x40 message digest buffer, 0x80 alternate key
     * buffer (608).
     */
    public void nonceLoad(int target, byte[] value) {
        if (value.length != 32 && value.length != 64)
            throw new IllegalArgumentException("nonce value is 32 or 64 bytes");
        int mode = 0x03 | target | (value.length == 64 ? 0x20 : 0);
        execute(Opcode.NONCE, mode, 0, value);
    }

    // ------------------------------------------------------------------ keys, signatures, ECDH

    /** GenKey private mode: creates a new P-256 key in the slot and returns the public key X||Y. */
    public byte[] genKey(int slot) {
        return expect(execute(Opcode.GENKEY, 0x04, slot, null), 64, Opcode.GENKEY);
    }

    /** GenKey public mode: the public key of the private key in the slot. */
    public byte[] publicKey(int slot) {
        return expect(execute(Opcode.GENKEY, 0x00, slot, null), 64, Opcode.GENKEY);
    }

    /**
     * Signs a 32-byte digest with the key in the slot: Nonce pass-through then Sign(External).
     * Returns r||s.
     */
    public synchronized byte[] sign(int slot, byte[] digest) {
        if (digest.length != 32) throw new IllegalArgumentException("digest is 32 bytes");
        nonceLoad(digest);
        return expect(execute(Opcode.SIGN, 0x80, slot, null), 64, Opcode.SIGN);
    }

    /** Sign(Internal) of the message built from TempKey (after GenDig or GenKey digest). */
    public byte[] signInternal(int slot, boolean includeSerial) {
        return expect(
                execute(Opcode.SIGN, includeSerial ? 0x40 : 0x00, slot, null), 64, Opcode.SIGN);
    }

    /** Verify(External): checks r||s over a digest against a public key X||Y. */
    public synchronized boolean verifyExternal(byte[] digest, byte[] signature, byte[] publicKey) {
        nonceLoad(digest);
        return verifyResult(
                () ->
                        execute(
                                Opcode.VERIFY,
                                0x02,
                                KeyConfigType.P256,
                                concat(signature, publicKey)));
    }

    /** Verify(Stored): checks r||s over a digest against the public key stored in a slot. */
    public synchronized boolean verifyStored(byte[] digest, byte[] signature, int slot) {
        nonceLoad(digest);
        return verifyResult(() -> execute(Opcode.VERIFY, 0x00, slot, signature));
    }

    private static boolean verifyResult(Runnable r) {
        try {
            r.run();
            return true;
        } catch (ChipStatusException e) {
            if (e.status() == ChipStatus.MISCOMPARE) return false;
            throw e;
        }
    }

    /**
     * ECDH with the private key in the slot and a peer public key X||Y; returns the 32-byte shared
     * secret.
     */
    public byte[] ecdh(int slot, byte[] peerPublicKey) {
        int mode = type == DeviceType.ATECC608 ? 0x0C : 0x00;
        return expect(execute(Opcode.ECDH, mode, slot, peerPublicKey), 32, Opcode.ECDH);
    }

    // ------------------------------------------------------------------ Read / Write

    /** Read of 4 or 32 bytes at a raw address. */
    public byte[] read(int zone, int address, boolean thirtyTwo) {
        byte[] body = execute(Opcode.READ, zone | (thirtyTwo ? Zone.SIZE_32 : 0), address, null);
        return expect(body, thirtyTwo ? 32 : 4, Opcode.READ);
    }

    public byte[] readConfigZone() {
        byte[] config = new byte[Zone.CONFIG_SIZE];
        for (int block = 0; block < 4; block++) {
            System.arraycopy(
                    read(Zone.CONFIG, Zone.address(block, 0), true), 0, config, block * 32, 32);
        }
        return config;
    }

    public ConfigZone config() {
        return new ConfigZone(readConfigZone());
    }

    /** The nine-byte serial number (read once and cached). */
    public synchronized byte[] serialNumber() {
        if (serialCache == null) {
            byte[] block0 = read(Zone.CONFIG, 0, true);
            byte[] sn = new byte[9];
            System.arraycopy(block0, 0, sn, 0, 4);
            System.arraycopy(block0, 8, sn, 4, 5);
            serialCache = sn;
        }
        return serialCache.clone();
    }

    /** Reads a whole slot in clear (32-byte blocks, then 4-byte words for the tail). */
    public byte[] readSlot(int slot) {
        int size = Zone.slotSize(slot);
        byte[] out = new byte[size];
        int pos = 0;
        int block = 0;
        while (size - pos >= 32) {
            System.arraycopy(
                    read(Zone.DATA, Zone.dataAddress(slot, block, 0), true), 0, out, pos, 32);
            pos += 32;
            block++;
        }
        int word = 0;
        while (pos < size) {
            System.arraycopy(
                    read(Zone.DATA, Zone.dataAddress(slot, block, word), false), 0, out, pos, 4);
            pos += 4;
            word++;
        }
        return out;
    }

    public byte[] readOtp() {
        byte[] otp = new byte[Zone.OTP_SIZE];
        for (int block = 0; block < 2; block++) {
            System.arraycopy(read(Zone.OTP, Zone.address(block, 0), true), 0, otp, block * 32, 32);
        }
        return otp;
    }

    /**
     * Encrypted read of one 32-byte block: Nonce, GenDig with the read key, Read, XOR with TempKey.
     */
    public synchronized byte[] readEncrypted(int slot, int block, byte[] readKey, int readKeySlot) {
        byte[] tempKey = authorize(readKey, readKeySlot);
        byte[] cipher = read(Zone.DATA, Zone.dataAddress(slot, block, 0), true);
        return HostCrypto.xor(cipher, tempKey);
    }

    /** Plain Write of 4 or 32 bytes at a raw address. */
    public void write(int zone, int address, byte[] data) {
        if (data.length != 4 && data.length != 32)
            throw new IllegalArgumentException("write 4 or 32 bytes");
        execute(Opcode.WRITE, zone | (data.length == 32 ? Zone.SIZE_32 : 0), address, data);
    }

    /**
     * Writes a full config zone image: bytes 16-127 except the
     * UserExtra/Selector/LockValue/LockConfig word, then UserExtra and UserExtraAdd through
     * UpdateExtra when they are non-zero.
     */
    public void writeConfigZone(byte[] config) {
        if (config.length != Zone.CONFIG_SIZE)
            throw new IllegalArgumentException("config zone is 128 bytes");
        for (int word = 4; word < 32; word++) {
            if (word == 21) continue; // bytes 84-87
            write(
                    Zone.CONFIG,
                    Zone.address(word / 8, word % 8),
                    Arrays.copyOfRange(config, word * 4, word * 4 + 4));
        }
        if (config[ConfigZone.USER_EXTRA] != 0)
            updateExtra(0, config[ConfigZone.USER_EXTRA] & 0xFF);
        if (config[ConfigZone.USER_EXTRA_ADD] != 0)
            updateExtra(1, config[ConfigZone.USER_EXTRA_ADD] & 0xFF);
    }

    /**
     * Writes data to a slot from offset 0 with 32-byte blocks (the tail block is zero-padded; the
     * chip ignores bytes past the end of the slot). Valid before the data zone is locked and for
     * slots whose WriteConfig is Always.
     */
    public void writeSlot(int slot, byte[] data) {
        if (data.length > Zone.slotSize(slot))
            throw new IllegalArgumentException("data longer than slot " + slot);
        for (int block = 0; block * 32 < data.length; block++) {
            byte[] chunk = Arrays.copyOfRange(data, block * 32, block * 32 + 32);
            write(Zone.DATA, Zone.dataAddress(slot, block, 0), chunk);
        }
    }

    /**
     * Writes the 64-byte X||Y public key in the 72-byte format used for Verify(Stored):
     * pad(4)||X||pad(4)||Y.
     */
    public void writePublicKey(int slot, byte[] publicKey) {
        writeSlot(slot, publicKeySlotFormat(publicKey));
    }

    public static byte[] publicKeySlotFormat(byte[] publicKey) {
        byte[] formatted = new byte[72];
        System.arraycopy(publicKey, 0, formatted, 4, 32);
        System.arraycopy(publicKey, 32, formatted, 40, 32);
        return formatted;
    }

    public void writeOtp(byte[] otp) {
        if (otp.length != Zone.OTP_SIZE) throw new IllegalArgumentException("OTP is 64 bytes");
        write(Zone.OTP, Zone.address(0, 0), Arrays.copyOfRange(otp, 0, 32));
        write(Zone.OTP, Zone.address(1, 0), Arrays.copyOfRange(otp, 32, 64));
    }

    /**
     * Nonce (random) then GenDig with the given slot key; returns the TempKey both sides now share.
     */
    public synchronized byte[] authorize(byte[] key, int keySlot) {
        byte[] numIn = new byte[20];
        random.nextBytes(numIn);
        Nonce n = nonceRandom(numIn);
        execute(Opcode.GENDIG, Zone.DATA, keySlot, null);
        return HostCrypto.genDig(key, Zone.DATA, keySlot, serialNumber(), n.tempKey());
    }

    /** Encrypted Write of a 32-byte block after the data zone is locked (WriteConfig Encrypt). */
    public synchronized void writeEncrypted(
            int slot, int block, byte[] data32, byte[] writeKey, int writeKeySlot) {
        if (data32.length != 32)
            throw new IllegalArgumentException("encrypted writes are 32 bytes");
        byte[] tempKey = authorize(writeKey, writeKeySlot);
        int param1 = Zone.DATA | Zone.SIZE_32 | Zone.ENCRYPTED;
        int param2 = Zone.dataAddress(slot, block, 0);
        byte[] mac = HostCrypto.writeMac(tempKey, param1, param2, serialNumber(), data32);
        execute(Opcode.WRITE, param1, param2, concat(HostCrypto.xor(data32, tempKey), mac));
    }

    /**
     * PrivWrite in clear (only while the data zone is unlocked): loads a P-256 private scalar into
     * a slot.
     */
    public void privWrite(int slot, byte[] privateKey32) {
        byte[] value = privValue(privateKey32);
        execute(Opcode.PRIVWRITE, 0x00, slot, concat(value, new byte[32]));
    }

    /** Encrypted PrivWrite (after data lock; WriteConfig must allow PrivWrite). */
    public synchronized void privWriteEncrypted(
            int slot, byte[] privateKey32, byte[] writeKey, int writeKeySlot) {
        byte[] value = privValue(privateKey32);
        byte[] tempKey = authorize(writeKey, writeKeySlot);
        byte[] mac = HostCrypto.privWriteMac(tempKey, 0x40, slot, serialNumber(), value);
        execute(
                Opcode.PRIVWRITE,
                0x40,
                slot,
                concat(HostCrypto.privWriteEncrypt(value, tempKey), mac));
    }

    private static byte[] privValue(byte[] privateKey32) {
        if (privateKey32.length != 32)
            throw new IllegalArgumentException("P-256 private key is 32 bytes");
        byte[] value = new byte[36];
        System.arraycopy(privateKey32, 0, value, 4, 32);
        return value;
    }

    // ------------------------------------------------------------------ Lock

    /**
     * Locks the config zone; the chip checks that {@code crc} is the CRC of all 128 config bytes.
     */
    public void lockConfig(int crc) {
        execute(Opcode.LOCK, 0x00, crc, null);
    }

    /** Reads the config zone, computes its CRC and locks it. */
    public void lockConfig() {
        lockConfig(Crc16.compute(readConfigZone()));
    }

    /** Locks the data and OTP zones; {@code crc} covers slots 0..15 followed by OTP. */
    public void lockData(int crc) {
        execute(Opcode.LOCK, 0x01, crc, null);
    }

    /** Locks one slot (KeyConfig.Lockable); {@code crc} is the CRC of the slot contents. */
    public void lockSlot(int slot, int crc) {
        execute(Opcode.LOCK, 0x02 | (slot << 2), crc, null);
    }

    /** Lock without the CRC check (mode bit 7); not recommended by the datasheet. */
    public void lockUnchecked(int zone) {
        execute(Opcode.LOCK, 0x80 | zone, 0, null);
    }

    // ------------------------------------------------------------------ SHA, HMAC, Counter, AES,
    // misc

    /** SHA-256 of a message computed by the chip (Start, Update per 64 bytes, End). */
    public synchronized byte[] sha256(byte[] message) {
        execute(Opcode.SHA, 0x00, 0, null);
        int pos = 0;
        while (message.length - pos >= 64) {
            execute(Opcode.SHA, 0x01, 64, Arrays.copyOfRange(message, pos, pos + 64));
            pos += 64;
        }
        byte[] tail = Arrays.copyOfRange(message, pos, message.length);
        return expect(execute(Opcode.SHA, 0x02, tail.length, tail), 32, Opcode.SHA);
    }

    /** HMAC-SHA256 with the 32-byte key stored in a slot. */
    public synchronized byte[] hmac(int slot, byte[] message) {
        execute(Opcode.SHA, 0x04, slot, null);
        int pos = 0;
        while (message.length - pos >= 64) {
            execute(Opcode.SHA, 0x01, 64, Arrays.copyOfRange(message, pos, pos + 64));
            pos += 64;
        }
        byte[] tail = Arrays.copyOfRange(message, pos, message.length);
        int end = type == DeviceType.ATECC608 ? 0x02 : 0x05;
        return expect(execute(Opcode.SHA, end, tail.length, tail), 32, Opcode.SHA);
    }

    public long counterRead(int counter) {
        return u32(expect(execute(Opcode.COUNTER, 0x00, counter, null), 4, Opcode.COUNTER));
    }

    public long counterIncrement(int counter) {
        return u32(expect(execute(Opcode.COUNTER, 0x01, counter, null), 4, Opcode.COUNTER));
    }

    /** SelfTest of the selected functions (0x3B = all); true when all passed. */
    public boolean selfTest(int mode) {
        byte[] body = execute(Opcode.SELFTEST, mode, 0, null);
        return body.length == 1 && body[0] == 0;
    }

    /** AES-128 ECB encryption of one block with key {@code keyBlock} (0-3) of a slot (608). */
    public byte[] aesEncrypt(int slot, int keyBlock, byte[] plain16) {
        return expect(execute(Opcode.AES, (keyBlock << 6), slot, plain16), 16, Opcode.AES);
    }

    public byte[] aesDecrypt(int slot, int keyBlock, byte[] cipher16) {
        return expect(execute(Opcode.AES, (keyBlock << 6) | 0x01, slot, cipher16), 16, Opcode.AES);
    }

    /**
     * UpdateExtra: mode 0 sets UserExtra (byte 84), mode 1 UserExtraAdd/Selector (byte 85); only
     * once each.
     */
    public void updateExtra(int mode, int value) {
        execute(Opcode.UPDATE_EXTRA, mode, value, null);
    }

    /**
     * GenDig over a zone: 0 config block, 1 OTP block, 2 data slot key, 3 shared nonce (608, with
     * 32 bytes).
     */
    public void genDig(int zone, int keyId, byte[] otherData) {
        execute(Opcode.GENDIG, zone, keyId, otherData);
    }

    /**
     * CheckMac: the chip recomputes the MAC over its key and the challenge and compares it with
     * {@code response}; true on match.
     */
    public boolean checkMac(
            int mode, int slot, byte[] challenge, byte[] response, byte[] otherData) {
        if (challenge.length != 32 || response.length != 32 || otherData.length != 13) {
            throw new IllegalArgumentException("challenge 32, response 32, other data 13 bytes");
        }
        return verifyResult(
                () -> execute(Opcode.CHECKMAC, mode, slot, concat(challenge, response, otherData)));
    }

    // ------------------------------------------------------------------ the rest of the 608/508A
    // command set

    /**
     * Nonce in the 608's TempKey calculation mode (param2 0x8000): TempKey' = SHA-256(TempKey ||
     * NumIn || 0x16 || 0x00 || 0x00), returned by the chip.
     */
    public byte[] nonceFromTempKey(byte[] numIn) {
        if (numIn.length != 20) throw new IllegalArgumentException("NumIn is 20 bytes");
        return expect(execute(Opcode.NONCE, 0x00, 0x8000, numIn), 32, Opcode.NONCE);
    }

    /**
     * Sign(External) of the digest in the message digest buffer (608, loaded with {@code
     * nonceLoad(0x40, ...)}).
     */
    public byte[] signDigestBuffer(int slot) {
        return expect(execute(Opcode.SIGN, 0xA0, slot, null), 64, Opcode.SIGN);
    }

    /**
     * GenKey with KeyID 0xFFFF (608): a new private key in TempKey for ECDH; returns its public
     * key.
     */
    public byte[] genKeyInTempKey() {
        return expect(execute(Opcode.GENKEY, 0x04, 0xFFFF, null), 64, Opcode.GENKEY);
    }

    /**
     * GenKey mode 0x10: TempKey becomes the digest of the public key in the slot (input of
     * Verify(Validate)).
     */
    public void genKeyPublicDigest(int slot, byte[] otherData3) {
        if (otherData3.length != 3) throw new IllegalArgumentException("OtherData is 3 bytes");
        execute(Opcode.GENKEY, 0x10, slot, otherData3);
    }

    /**
     * MAC command: SHA-256 over the key (or TempKey), the challenge (or TempKey) and the chip's
     * identity bytes.
     */
    public byte[] mac(int mode, int slot, byte[] challengeOrNull) {
        if (((mode & 0x01) == 0) != (challengeOrNull != null))
            throw new IllegalArgumentException("challenge iff mode bit 0 is clear");
        if (challengeOrNull != null && challengeOrNull.length != 32)
            throw new IllegalArgumentException("challenge is 32 bytes");
        return expect(execute(Opcode.MAC, mode, slot, challengeOrNull), 32, Opcode.MAC);
    }

    /**
     * HMAC command of the ATECC508A: HMAC-SHA256 with the slot key over TempKey and the chip's
     * identity bytes.
     */
    public byte[] hmacCommand(int mode, int slot) {
        return expect(execute(Opcode.HMAC, mode, slot, null), 32, Opcode.HMAC);
    }

    /**
     * DeriveKey (roll or create per the target's WriteConfig); {@code macOrNull} when WriteConfig
     * bit 3 asks for one.
     */
    public void deriveKey(int mode, int targetSlot, byte[] macOrNull) {
        if (macOrNull != null && macOrNull.length != 32)
            throw new IllegalArgumentException("MAC is 32 bytes");
        execute(Opcode.DERIVE_KEY, mode, targetSlot, macOrNull);
    }

    /**
     * What KDF and ECDH put in the output buffer: the result (clear or encrypted) and, if
     * encrypted, the nonce.
     */
    public record Output(byte[] data, byte[] outNonce) {
        /** The clear result: decrypted with the IO protection key when the chip encrypted it. */
        public byte[] clear(byte[] ioKeyOrNull) {
            return outNonce == null
                    ? data.clone()
                    : HostCrypto.ioDecrypt(ioKeyOrNull, outNonce, data);
        }
    }

    /**
     * KDF (608): {@code mode} = algorithm | target | source, {@code keyId} = target slot << 8 |
     * source slot, {@code details} as the datasheet encodes it (the message length in its top byte
     * is filled in here for PRF and HKDF). Returns the output buffer (empty data when the result
     * stayed inside the chip).
     */
    public Output kdf(int mode, int keyId, long details, byte[] message) {
        boolean aes = (mode & 0x60) == 0x20;
        if (aes ? message.length != 16 : (message.length == 0 || message.length > 128)) {
            throw new IllegalArgumentException(
                    aes ? "KDF AES takes 16 bytes" : "KDF message is 1-128 bytes");
        }
        long d = aes ? details : (details & 0x00FFFFFFL) | ((long) message.length << 24);
        byte[] data =
                concat(
                        new byte[] {
                            (byte) d, (byte) (d >>> 8), (byte) (d >>> 16), (byte) (d >>> 24)
                        },
                        message);
        byte[] body = execute(Opcode.KDF, mode, keyId, data);
        return output(body, (mode & 0x1C) == 0x14);
    }

    /** ECDH in any 608 mode; encrypted outputs carry their nonce. */
    public Output ecdh(int mode, int keyId, byte[] peerPublicKey) {
        byte[] body = execute(Opcode.ECDH, mode, keyId, peerPublicKey);
        return output(body, (mode & 0x02) != 0);
    }

    private static Output output(byte[] body, boolean encrypted) {
        if (body.length == 1) return new Output(new byte[0], null);
        if (!encrypted) return new Output(body, null);
        int n = body.length - 32;
        return new Output(Arrays.copyOf(body, n), Arrays.copyOfRange(body, n, body.length));
    }

    /**
     * ECDH with the slot key, the secret returned encrypted with the IO protection key and
     * decrypted here.
     */
    public byte[] ecdhEncrypted(int slot, byte[] peerPublicKey, byte[] ioKey) {
        return ecdh(0x0E, slot, peerPublicKey).clear(ioKey);
    }

    /**
     * Verify(External) with the MAC result (608): true only if the chip's MAC proves the signature
     * matched.
     */
    public synchronized boolean verifyExternalMac(
            byte[] digest, byte[] signature, byte[] publicKey, byte[] systemNonce, byte[] ioKey) {
        return verifyMac(
                0x02,
                KeyConfigType.P256,
                digest,
                signature,
                concat(signature, publicKey),
                systemNonce,
                ioKey);
    }

    /** Verify(Stored) with the MAC result (608). */
    public synchronized boolean verifyStoredMac(
            byte[] digest, byte[] signature, int slot, byte[] systemNonce, byte[] ioKey) {
        return verifyMac(0x00, slot, digest, signature, signature, systemNonce, ioKey);
    }

    private boolean verifyMac(
            int kind,
            int keyId,
            byte[] digest,
            byte[] signature,
            byte[] data,
            byte[] systemNonce,
            byte[] ioKey) {
        if (digest.length != 32 || systemNonce.length != 32)
            throw new IllegalArgumentException("digest and system nonce are 32 bytes");
        nonceLoad(0x40, concat(digest, systemNonce));
        int mode = kind | 0x20 | 0x80;
        byte[] expected = HostCrypto.verifyMac(ioKey, digest, systemNonce, signature, mode, keyId);
        try {
            byte[] mac = expect(execute(Opcode.VERIFY, mode, keyId, data), 32, Opcode.VERIFY);
            return java.security.MessageDigest.isEqual(expected, mac);
        } catch (ChipStatusException e) {
            if (e.status() == ChipStatus.MISCOMPARE) return false;
            throw e;
        }
    }

    /**
     * Verify(Validate) or (Invalidate) of the public key in {@code slot}: TempKey must hold its
     * GenKey digest; the signature is checked with the key in the slot its SlotConfig.ReadKey
     * names.
     */
    public boolean verifyValidate(
            int slot, byte[] signature, byte[] otherData19, boolean invalidate) {
        if (signature.length != 64 || otherData19.length != 19)
            throw new IllegalArgumentException("signature 64, other data 19 bytes");
        return verifyResult(
                () ->
                        execute(
                                Opcode.VERIFY,
                                invalidate ? 0x07 : 0x03,
                                slot,
                                concat(signature, otherData19)));
    }

    /**
     * SHA start/update/end one step at a time; {@code target} of End: 0x00 TempKey, 0x40 digest
     * buffer, 0xC0 output only.
     */
    public void shaStart() {
        execute(Opcode.SHA, 0x00, 0, null);
    }

    public void shaUpdate(byte[] block64) {
        if (block64.length != 64) throw new IllegalArgumentException("update blocks are 64 bytes");
        execute(Opcode.SHA, 0x01, 64, block64);
    }

    /** SHA mode 3 (608): adds the 64-byte public key of the slot to the running SHA-256. */
    public void shaPublicKey(int slot) {
        execute(Opcode.SHA, 0x03, slot, null);
    }

    public byte[] shaEnd(int target, byte[] tail) {
        if (tail.length > 63) throw new IllegalArgumentException("end takes 0-63 bytes");
        return expect(execute(Opcode.SHA, 0x02 | target, tail.length, tail), 32, Opcode.SHA);
    }

    /**
     * SHA mode 6 (608): the running SHA-256 context, to be restored later with {@link
     * #shaWriteContext}.
     */
    public byte[] shaReadContext() {
        return execute(Opcode.SHA, 0x06, 0, null);
    }

    public void shaWriteContext(byte[] context) {
        execute(Opcode.SHA, 0x07, context.length, context);
    }

    /**
     * HMAC-SHA256 on the 608 with the key in a slot or (keyId 0xFFFF) TempKey, the result also sent
     * to {@code target}.
     */
    public synchronized byte[] hmac(int keyId, byte[] message, int target) {
        execute(Opcode.SHA, 0x04, keyId, null);
        int pos = 0;
        while (message.length - pos >= 64) {
            execute(Opcode.SHA, 0x01, 64, Arrays.copyOfRange(message, pos, pos + 64));
            pos += 64;
        }
        byte[] tail = Arrays.copyOfRange(message, pos, message.length);
        return expect(execute(Opcode.SHA, 0x02 | target, tail.length, tail), 32, Opcode.SHA);
    }

    /** AES GFM (608): the GHASH product of H and a block, both 16 bytes. */
    public byte[] aesGfm(byte[] h16, byte[] block16) {
        if (h16.length != 16 || block16.length != 16)
            throw new IllegalArgumentException("GFM takes two 16-byte blocks");
        return expect(execute(Opcode.AES, 0x03, 0, concat(h16, block16)), 16, Opcode.AES);
    }

    /**
     * SecureBoot (608) in clear: mode 5 Full, 6 FullStore (digest only), 7 FullCopy; true if the
     * chip approved.
     */
    public boolean secureBoot(int mode, byte[] digest, byte[] signatureOrNull) {
        byte[] data = signatureOrNull == null ? digest : concat(digest, signatureOrNull);
        return verifyResult(() -> execute(Opcode.SECUREBOOT, mode, 0, data));
    }

    /**
     * SecureBoot with the digest encrypted under the IO protection key and a MAC answer:
     * Nonce(random) with {@code numIn}, digest XOR SHA-256(IO key || TempKey), then the chip's MAC
     * checked here. True only if the chip approved and proved it with the MAC.
     */
    public synchronized boolean secureBootMac(
            int mode,
            byte[] digest,
            byte[] signatureOrNull,
            byte[] numIn,
            byte[] ioKey,
            int secureBootConfig) {
        Nonce n = nonceRandom(numIn);
        byte[] key = HostCrypto.secureBootKey(ioKey, n.tempKey());
        byte[] encrypted = HostCrypto.xor(digest, key);
        int m = mode | 0x80;
        byte[] data = signatureOrNull == null ? encrypted : concat(encrypted, signatureOrNull);
        byte[] mac;
        try {
            mac = expect(execute(Opcode.SECUREBOOT, m, 0, data), 32, Opcode.SECUREBOOT);
        } catch (ChipStatusException e) {
            if (e.status() == ChipStatus.MISCOMPARE) return false;
            throw e;
        }
        boolean digestOnly = (mode & 0x07) == 0x06 && (secureBootConfig & 0x3) == 0x3;
        byte[] expected =
                HostCrypto.secureBootMac(key, digest, digestOnly ? null : signatureOrNull, m, 0);
        return java.security.MessageDigest.isEqual(expected, mac);
    }

    /** Info mode 4 (608): the persistent latch behind KeyConfig.PersistentDisable. */
    public boolean persistentLatch() {
        return (expect(execute(Opcode.INFO, 0x04, 0, null), 4, Opcode.INFO)[0] & 1) != 0;
    }

    /**
     * Sets or clears the latch; setting needs a CheckMac with the VolatileKeyPermit slot in the
     * same wake.
     */
    public void persistentLatch(boolean set) {
        execute(Opcode.INFO, 0x04, 0x02 | (set ? 1 : 0), null);
    }

    /** UpdateExtra mode 2: spends one use of a limited-use key. */
    public void spendLimitedUse(int slot) {
        execute(Opcode.UPDATE_EXTRA, 0x02, slot, null);
    }

    public void idle() {
        transport.idle();
    }

    @Override
    public void close() {
        transport.close();
    }

    // ------------------------------------------------------------------ helpers

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int pos = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }

    private static long u32(byte[] b) {
        return (b[0] & 0xFFL) | (b[1] & 0xFFL) << 8 | (b[2] & 0xFFL) << 16 | (b[3] & 0xFFL) << 24;
    }

    /** Key type value used as param2 of Verify(External). */
    static final class KeyConfigType {
        static final int P256 = 0x0004;

        private KeyConfigType() {}
    }
}
