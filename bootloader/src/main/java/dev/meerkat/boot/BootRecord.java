package dev.meerkat.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * One boot-state record: the whole boot state, written append-only with an increasing sequence
 * number. The newest record whose magic and CRC are valid is the current state.
 *
 * <pre>
 * offset size field
 *   0     4  magic "MKBS" (4D 4B 42 53)
 *   4     4  sequence number, u32 little-endian, +1 per record
 *   8     1  format version (1)
 *   9     1  active slot (0 = A, 1 = B)
 *  10     1  revert slot (0, 1, or 0xFF = none)
 *  11     1  flags: bit 0 = committed
 *  12     1  test-boot attempts of the uncommitted active image
 *  13     1  last rollback reason ({@link RollbackReason#code()})
 *  14     1  rejected-slot mask (bit n: slot n must not be booted until re-installed)
 *  15     1  slot given up by the last rollback (0xFF = none)
 *  16     6  first 6 bytes of the SHA-256 of the active image
 *  22     6  first 6 bytes of the SHA-256 of the revert image (0xFF.. = none)
 *  28     4  CRC-32 (IEEE) of bytes 0..27, little-endian
 * </pre>
 *
 * @param sequence record number; the highest valid one wins
 * @param active slot to boot (the candidate while PENDING/TESTING)
 * @param revert slot to fall back to while an update is on trial
 * @param committed whether the active image is committed
 * @param attempts test boots started for the uncommitted active image
 * @param lastRollback reason of the most recent rollback (kept as history)
 * @param rollbackSlot slot given up by that rollback
 * @param rejectedMask slots holding images that failed and must not be booted again
 * @param activeHash 6-byte SHA-256 prefix of the active image, ties the state to an image
 * @param revertHash 6-byte SHA-256 prefix of the revert image
 */
public record BootRecord(
        long sequence,
        Slot active,
        Optional<Slot> revert,
        boolean committed,
        int attempts,
        RollbackReason lastRollback,
        Optional<Slot> rollbackSlot,
        int rejectedMask,
        byte[] activeHash,
        byte[] revertHash) {

    /** Bytes per record (a multiple of every supported write alignment). */
    public static final int SIZE = 32;

    /** Bytes of image hash kept per slot. */
    public static final int HASH_PREFIX = 6;

    static final int MAGIC = 0x53424B4D;
    static final int FORMAT = 1;
    private static final int NONE = 0xFF;

    public BootRecord {
        Objects.requireNonNull(active);
        Objects.requireNonNull(revert);
        Objects.requireNonNull(lastRollback);
        Objects.requireNonNull(rollbackSlot);
        if (sequence < 0 || sequence > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("sequence outside u32: " + sequence);
        }
        if (attempts < 0 || attempts > 0xFF) {
            throw new IllegalArgumentException("attempts outside u8: " + attempts);
        }
        if ((rejectedMask & ~0x3) != 0) {
            throw new IllegalArgumentException("bad rejected mask " + rejectedMask);
        }
        activeHash = prefix(activeHash);
        revertHash = prefix(revertHash);
        if (revert.isPresent() && revert.get() == active) {
            throw new IllegalArgumentException("revert slot equals active slot " + active);
        }
    }

    private static byte[] prefix(byte[] hash) {
        byte[] p = new byte[HASH_PREFIX];
        Arrays.fill(p, (byte) 0xFF);
        if (hash != null) {
            System.arraycopy(hash, 0, p, 0, Math.min(HASH_PREFIX, hash.length));
        }
        return p;
    }

    /** The phase this record puts the device in. */
    public BootPhase phase() {
        if (committed) {
            return BootPhase.COMMITTED;
        }
        return attempts == 0 ? BootPhase.PENDING : BootPhase.TESTING;
    }

    /**
     * The slot whose image runs now: the revert slot while an update is pending, else the active
     * one.
     */
    public Slot running() {
        return phase() == BootPhase.PENDING ? revert.orElse(active) : active;
    }

    /** Whether {@code slot} is marked as not bootable. */
    public boolean isRejected(Slot slot) {
        return (rejectedMask & slot.bit()) != 0;
    }

    @Override
    public byte[] activeHash() {
        return activeHash.clone();
    }

    @Override
    public byte[] revertHash() {
        return revertHash.clone();
    }

    /** Whether {@code fullHash} (a SHA-256) starts with the stored active-image prefix. */
    public boolean activeHashMatches(byte[] fullHash) {
        return Arrays.equals(activeHash, prefix(fullHash));
    }

    /** Whether {@code fullHash} starts with the stored revert-image prefix. */
    public boolean revertHashMatches(byte[] fullHash) {
        return Arrays.equals(revertHash, prefix(fullHash));
    }

    /** The 32 stored bytes. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC)
                .putInt((int) sequence)
                .put((byte) FORMAT)
                .put((byte) active.index())
                .put((byte) (int) revert.map(Slot::index).orElse(NONE))
                .put((byte) (committed ? 1 : 0))
                .put((byte) attempts)
                .put((byte) lastRollback.code())
                .put((byte) rejectedMask)
                .put((byte) (int) rollbackSlot.map(Slot::index).orElse(NONE))
                .put(activeHash)
                .put(revertHash);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, SIZE - 4);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /**
     * Decodes 32 stored bytes; empty when they are not a valid record (erased, torn, corrupted, or
     * an unknown format).
     */
    public static Optional<BootRecord> decode(byte[] raw, int off) {
        ByteBuffer b = ByteBuffer.wrap(raw, off, SIZE).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != MAGIC) {
            return Optional.empty();
        }
        CRC32 crc = new CRC32();
        crc.update(raw, off, SIZE - 4);
        if ((int) crc.getValue()
                != ByteBuffer.wrap(raw, off + SIZE - 4, 4)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getInt()) {
            return Optional.empty();
        }
        long seq = Integer.toUnsignedLong(b.getInt());
        int format = b.get() & 0xFF;
        int active = b.get() & 0xFF;
        int revert = b.get() & 0xFF;
        int flags = b.get() & 0xFF;
        int attempts = b.get() & 0xFF;
        int reason = b.get() & 0xFF;
        int rejected = b.get() & 0xFF;
        int rollbackSlot = b.get() & 0xFF;
        byte[] ah = new byte[HASH_PREFIX];
        byte[] rh = new byte[HASH_PREFIX];
        b.get(ah).get(rh);
        if (format != FORMAT
                || active > 1
                || (revert > 1 && revert != NONE)
                || revert == active
                || (rejected & ~0x3) != 0
                || (rollbackSlot > 1 && rollbackSlot != NONE)) {
            return Optional.empty();
        }
        return Optional.of(
                new BootRecord(
                        seq,
                        Slot.of(active),
                        revert == NONE ? Optional.empty() : Optional.of(Slot.of(revert)),
                        (flags & 1) != 0,
                        attempts,
                        RollbackReason.ofCode(reason),
                        rollbackSlot == NONE
                                ? Optional.empty()
                                : Optional.of(Slot.of(rollbackSlot)),
                        rejected,
                        ah,
                        rh));
    }

    // ---------------------------------------------------------------- the records a state change
    // writes

    /** The first record of a device: {@code slot} committed (nothing to revert to). */
    static BootRecord firstBoot(Slot slot, byte[] imageHash) {
        return new BootRecord(
                1,
                slot,
                Optional.empty(),
                true,
                0,
                RollbackReason.NONE,
                Optional.empty(),
                0,
                imageHash,
                null);
    }

    /** {@code slot} holds a new image on trial; the running image is the one to revert to. */
    BootRecord pending(Slot slot, byte[] imageHash) {
        byte[] back = phase() == BootPhase.PENDING ? revertHash : activeHash;
        return new BootRecord(
                sequence + 1,
                slot,
                Optional.of(running()),
                false,
                0,
                lastRollback,
                rollbackSlot,
                rejectedMask & ~slot.bit(),
                imageHash,
                back);
    }

    /** The active image is declared good. */
    BootRecord committedActive() {
        return new BootRecord(
                sequence + 1,
                active,
                Optional.empty(),
                true,
                0,
                lastRollback,
                rollbackSlot,
                rejectedMask & ~active.bit(),
                activeHash,
                null);
    }

    /**
     * The one revert: back to the revert slot (the other one if none is recorded), the active slot
     * given up for {@code reason} and marked not bootable.
     */
    BootRecord reverted(RollbackReason reason) {
        Slot failed = active;
        Slot back = revert.orElse(failed.other());
        return new BootRecord(
                sequence + 1,
                back,
                Optional.empty(),
                true,
                0,
                reason,
                Optional.of(failed),
                (rejectedMask | failed.bit()) & ~back.bit(),
                revertHash,
                null);
    }

    /**
     * A pending update is being overwritten in {@code slot}: the running image stays, committed.
     */
    BootRecord pendingReplaced(Slot slot) {
        return new BootRecord(
                sequence + 1,
                running(),
                Optional.empty(),
                true,
                0,
                RollbackReason.UPDATE_REPLACED,
                Optional.of(slot),
                rejectedMask | slot.bit(),
                revertHash,
                null);
    }

    /** The committed image in {@code invalid} no longer validates: boot {@code to} instead. */
    BootRecord fallback(Slot invalid, Slot to, byte[] imageHash) {
        return new BootRecord(
                sequence + 1,
                to,
                Optional.empty(),
                true,
                0,
                RollbackReason.ACTIVE_IMAGE_INVALID,
                Optional.of(invalid),
                (rejectedMask | invalid.bit()) & ~to.bit(),
                imageHash,
                null);
    }

    /** Copy with the next sequence number; the base of every state change. */
    BootRecord next() {
        return new BootRecord(
                sequence + 1,
                active,
                revert,
                committed,
                attempts,
                lastRollback,
                rollbackSlot,
                rejectedMask,
                activeHash,
                revertHash);
    }

    BootRecord withRejected(int mask) {
        return new BootRecord(
                sequence,
                active,
                revert,
                committed,
                attempts,
                lastRollback,
                rollbackSlot,
                mask,
                activeHash,
                revertHash);
    }

    BootRecord withAttempts(int n) {
        return new BootRecord(
                sequence,
                active,
                revert,
                committed,
                n,
                lastRollback,
                rollbackSlot,
                rejectedMask,
                activeHash,
                revertHash);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BootRecord r && Arrays.equals(encode(), r.encode());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encode());
    }

    @Override
    public String toString() {
        HexFormat hex = HexFormat.of();
        return "BootRecord[#"
                + sequence
                + " "
                + phase()
                + " active="
                + active
                + " revert="
                + revert.map(Enum::name).orElse("-")
                + " attempts="
                + attempts
                + " rejected="
                + rejectedMask
                + " last="
                + lastRollback
                + rollbackSlot.map(s -> "@" + s).orElse("")
                + " hash="
                + hex.formatHex(activeHash)
                + "/"
                + hex.formatHex(revertHash)
                + "]";
    }
}
