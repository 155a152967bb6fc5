package dev.meerkat.boot;

import dev.meerkat.hal.FlashArea;
import dev.meerkat.image.ImageSource;
import java.io.EOFException;
import java.io.IOException;
import java.util.Objects;

/**
 * An image read in place from a slot. The source spans the whole slot; the image header says how
 * much of it is image. Power loss during a read propagates as the hal's unchecked exception.
 */
public final class SlotImageSource implements ImageSource {

    private final FlashArea area;
    private long bytesRead;

    public SlotImageSource(FlashArea area) {
        this.area = Objects.requireNonNull(area);
    }

    @Override
    public long size() {
        return area.size();
    }

    @Override
    public void read(long offset, byte[] dst, int off, int len) throws IOException {
        if (offset < 0 || len < 0 || offset + len > area.size()) {
            throw new EOFException(
                    "read of "
                            + len
                            + " bytes at "
                            + offset
                            + " beyond the end of "
                            + area.name()
                            + " ("
                            + area.size()
                            + " bytes)");
        }
        area.read(offset, dst, off, len);
        bytesRead += len;
    }

    /** Bytes read through this source so far. */
    public long bytesRead() {
        return bytesRead;
    }
}
