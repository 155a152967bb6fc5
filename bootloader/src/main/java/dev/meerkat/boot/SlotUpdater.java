package dev.meerkat.boot;

import dev.meerkat.hal.FlashArea;
import dev.meerkat.hal.Sector;
import dev.meerkat.image.VerifiedImage;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * Writes an update into a slot and installs it, in the order that keeps every intermediate state
 * safe: mark the slot not bootable, erase the sectors the image needs, program it in chunks, then
 * {@link BootControl#installUpdate(Slot)}. The image arrives already decrypted.
 */
public final class SlotUpdater {

    private final BootControl control;
    private final FlashLayout layout;
    private final int chunkSize;

    /**
     * @param chunkSize bytes per program operation (a multiple of the write alignment), as an
     *                  updater writes data as it arrives
     */
    public SlotUpdater(BootControl control, FlashLayout layout, int chunkSize) {
        this.control = Objects.requireNonNull(control);
        this.layout = Objects.requireNonNull(layout);
        int align = layout.flash().geometry().writeAlignment();
        if (chunkSize <= 0 || chunkSize % align != 0) {
            throw new IllegalArgumentException("chunk size must be a positive multiple of " + align);
        }
        this.chunkSize = chunkSize;
    }

    /** Writes {@code image} to {@code slot} and marks it pending. */
    public VerifiedImage install(Slot slot, byte[] image) throws IOException, UpdateRejectedException {
        write(slot, new ByteArrayInputStream(image), image.length);
        return control.installUpdate(slot);
    }

    /** Prepares, erases and programs {@code slot} with {@code length} bytes from {@code in}. */
    public void write(Slot slot, InputStream in, long length) throws IOException {
        FlashArea area = layout.slot(slot);
        if (length > area.size()) {
            throw new IOException("image of " + length + " bytes does not fit " + area.name() + " (" + area.size() + ")");
        }
        control.prepareSlot(slot);
        long eraseEnd = 0;
        for (Sector s : area.sectors()) {
            if (eraseEnd >= length) {
                break;
            }
            area.flash().eraseSector(s.index());
            eraseEnd += s.size();
        }
        byte[] buf = new byte[chunkSize];
        long pos = 0;
        while (pos < length) {
            int n = (int) Math.min(chunkSize, length - pos);
            int got = in.readNBytes(buf, 0, n);
            if (got < n) {
                throw new EOFException("update stream ended at " + (pos + got) + " of " + length);
            }
            int align = area.writeAlignment();
            int padded = (n + align - 1) / align * align;
            Arrays.fill(buf, n, padded, (byte) 0xFF);
            area.write(pos, buf, 0, padded);
            pos += n;
        }
    }
}
