package dev.meerkat.boot;

import dev.meerkat.hal.FlashArea;
import dev.meerkat.hal.Sector;
import dev.meerkat.image.ImageFormatException;
import dev.meerkat.image.ImageHeader;
import dev.meerkat.image.ImageKeyUnwrapper;
import dev.meerkat.image.ImageSource;
import dev.meerkat.image.ParsedImage;
import dev.meerkat.image.PayloadCipher;
import dev.meerkat.image.VerifiedImage;
import java.io.EOFException;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * One update of the inactive slot, from the first byte to the pending boot state, opened by {@link
 * BootControl#beginUpdate(UpdateRules)} (which has already marked the slot not bootable) or {@link
 * BootControl#resumeUpdate(UpdateRules, long)}. The session owns the order that keeps every
 * intermediate state safe: sectors are erased just before their first write, the header is checked
 * by {@link UpdatePrecheck} as soon as it arrives and the protected TLVs as soon as the hashed part
 * is on flash, an encrypted payload is decrypted in place after the last byte, and {@link
 * #install()} validates hash and signature before the slot is marked pending.
 *
 * <p>Bytes arrive in order: {@link #write(long, byte[], int, int)} takes the bytes at {@link
 * #accepted()}. After a broken connection the stream continues at {@link #durable()} (after {@link
 * #rewind()}); after a reset it continues at a {@link #checkpoint()} saved before the reset. Not
 * thread-safe: the firmware's main loop drives it.
 */
public final class UpdateSession {

    private final BootControl control;
    private final Slot slot;
    private final FlashArea area;
    private final UpdatePrecheck precheck;
    private final byte[] head = new byte[ImageHeader.SIZE];
    private SlotWriter writer;
    private long length;
    private ImageHeader header;
    private boolean protectedChecked;
    private ParsedImage finished;

    UpdateSession(
            BootControl control, Slot slot, FlashArea area, UpdatePrecheck precheck, long resumeAt)
            throws UpdateRejectedException {
        this.control = control;
        this.slot = slot;
        this.area = area;
        this.precheck = precheck;
        this.writer = new SlotWriter(area, resumeAt);
        if (resumeAt >= ImageHeader.SIZE) {
            area.read(0, head, 0, head.length);
        }
        checkProgress();
    }

    /** The slot being written. */
    public Slot slot() {
        return slot;
    }

    /** Bytes the slot can hold. */
    public long capacity() {
        return area.size();
    }

    /**
     * Announces the image length (e.g. from the HTTP response), refusing an image that cannot fit.
     */
    public void expectLength(long bytes) throws UpdateRejectedException {
        if (bytes > area.size()) {
            throw refused(
                    RollbackReason.IMAGE_TOO_LARGE,
                    "image of "
                            + bytes
                            + " bytes does not fit "
                            + area.name()
                            + " ("
                            + area.size()
                            + ")");
        }
        this.length = bytes;
        if (header != null) {
            reject(precheck.header(header, area.size(), length));
        }
    }

    /** The announced length, 0 if none. */
    public long length() {
        return length;
    }

    /**
     * Writes the {@code len} bytes of {@code b} at {@code off} that hold the image from {@code
     * offset}, which must be {@link #accepted()}.
     *
     * @throws UpdateRejectedException when what has arrived so far shows the image is not
     *     acceptable here
     */
    public void write(long offset, byte[] b, int off, int len) throws UpdateRejectedException {
        long at = writer.accepted();
        if (offset != at) {
            throw new IllegalArgumentException(
                    "write at " + offset + "; the session continues at " + at);
        }
        if (length > 0 && at + len > length) {
            throw new IllegalArgumentException("more data than the announced " + length + " bytes");
        }
        if (at < ImageHeader.SIZE) {
            System.arraycopy(b, off, head, (int) at, (int) Math.min(len, ImageHeader.SIZE - at));
        }
        if (header == null && at + len >= ImageHeader.SIZE) {
            checkHeader();
        }
        writer.write(b, off, len);
        checkProgress();
    }

    /** The image header, once it has arrived (and passed the precheck). */
    public Optional<ImageHeader> header() {
        return Optional.ofNullable(header);
    }

    /** Bytes taken (on flash plus the unaligned tail held in RAM). */
    public long accepted() {
        return writer.accepted();
    }

    /** Bytes on flash. */
    public long durable() {
        return writer.durable();
    }

    /**
     * Where the stream may continue after a reset: the start of the sector in progress, which is
     * erased again because a power cut may have torn it.
     */
    public long checkpoint() {
        return writer.sectorStart(writer.durable());
    }

    /**
     * Forgets the RAM tail after a broken connection: the stream continues at {@link #durable()}.
     */
    public void rewind() {
        writer.dropTail();
    }

    /** Starts over at byte 0 (the source changed or ignored a range request). */
    public void restart() {
        writer = new SlotWriter(area, 0);
        header = null;
        protectedChecked = false;
        finished = null;
    }

    /**
     * After the last byte: writes the tail and checks the whole image's structure and acceptance.
     *
     * @return the image's structure
     */
    public ParsedImage finish() throws UpdateRejectedException {
        writer.finish();
        ParsedImage p;
        try {
            p = ParsedImage.parse(new SlotImageSource(area));
        } catch (ImageFormatException e) {
            throw refused(
                    RollbackReason.forProblem(e.problem()),
                    "image refused: " + e.problem() + ": " + e.getMessage());
        }
        reject(precheck.header(p.header(), area.size(), length));
        reject(precheck.protectedTlvs(p));
        finished = p;
        return p;
    }

    /**
     * Whether the finished image's payload is encrypted (then {@link #decrypt} before {@link
     * #install()}).
     */
    public boolean encrypted() {
        return finishedImage().header().isEncrypted();
    }

    /**
     * Decrypts the payload in place, sector by sector, with the AES key {@code keys} unwraps (the
     * device's secure element). A reset during decryption leaves a slot that is neither image: the
     * download starts over.
     *
     * @param keys empty when the device holds no image decryption key
     */
    public void decrypt(Optional<ImageKeyUnwrapper> keys) throws UpdateRejectedException {
        ParsedImage p = finishedImage();
        if (keys.isEmpty()) {
            throw refused(
                    RollbackReason.IMAGE_UNSUPPORTED,
                    "image is encrypted and this device has no decryption key");
        }
        PayloadCipher cipher;
        try {
            cipher = PayloadCipher.forImage(p, keys.get());
        } catch (ImageFormatException e) {
            throw refused(
                    RollbackReason.forProblem(e.problem()),
                    "image refused: " + e.problem() + ": " + e.getMessage());
        }
        long pos = writer.sectorStart(cipher.payloadStart());
        for (Sector s : sectorsFrom(pos)) {
            if (pos >= cipher.payloadEnd()) {
                break;
            }
            byte[] sector = area.read(pos, (int) s.size());
            cipher.apply(pos, sector, 0, sector.length);
            area.erase(pos, s.size());
            area.write(pos, sector);
            pos += s.size();
        }
    }

    /**
     * Validates the image (hash, signature, counter, dependencies) and marks the slot pending: the
     * next boot starts it once in test mode.
     */
    public VerifiedImage install() throws UpdateRejectedException {
        finishedImage();
        return control.installUpdate(slot);
    }

    private ParsedImage finishedImage() {
        if (finished == null) {
            throw new IllegalStateException("finish the update first");
        }
        return finished;
    }

    private java.util.List<Sector> sectorsFrom(long offset) {
        java.util.List<Sector> out = new java.util.ArrayList<>();
        long start = 0;
        for (Sector s : area.sectors()) {
            if (start >= offset) {
                out.add(s);
            }
            start += s.size();
        }
        return out;
    }

    private void checkHeader() throws UpdateRejectedException {
        try {
            header = ImageHeader.decode(head);
        } catch (ImageFormatException e) {
            throw refused(
                    RollbackReason.forProblem(e.problem()),
                    "not a firmware image: " + e.getMessage());
        }
        reject(precheck.header(header, area.size(), length));
    }

    /** Header once it is known; protected TLVs once the hashed part is on flash. */
    private void checkProgress() throws UpdateRejectedException {
        if (header == null && writer.accepted() >= ImageHeader.SIZE) {
            checkHeader();
        }
        if (header == null || protectedChecked || writer.durable() < header.hashedLength()) {
            return;
        }
        protectedChecked = true;
        ParsedImage hashed;
        try {
            hashed = ParsedImage.parseHashedPart(new Prefix(area, writer.durable()));
        } catch (ImageFormatException e) {
            throw refused(
                    RollbackReason.forProblem(e.problem()),
                    "image refused: " + e.problem() + ": " + e.getMessage());
        }
        reject(precheck.protectedTlvs(hashed));
    }

    private static void reject(Optional<Validation.Invalid> invalid)
            throws UpdateRejectedException {
        if (invalid.isPresent()) {
            throw refused(invalid.get().reason(), invalid.get().detail());
        }
    }

    private static UpdateRejectedException refused(RollbackReason reason, String detail) {
        return UpdateRejectedException.beforeInstall(reason, detail);
    }

    /** The bytes of a slot written so far. */
    private record Prefix(FlashArea area, long size) implements ImageSource {
        Prefix {
            Objects.requireNonNull(area);
        }

        @Override
        public void read(long offset, byte[] dst, int off, int len) throws IOException {
            if (offset < 0 || len < 0 || offset + len > size) {
                throw new EOFException(
                        "read of "
                                + len
                                + " bytes at "
                                + offset
                                + " beyond the "
                                + size
                                + " bytes written");
            }
            area.read(offset, dst, off, len);
        }
    }
}
