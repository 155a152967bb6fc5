package dev.meerkat.image;

import java.io.IOException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The MCUboot swap trailer at the end of a slot: swap status area, (encryption keys), swap_size,
 * swap_info, copy_done, image_ok, each in a {@code maxAlign}-sized cell, then the 16-byte magic.
 * Sizes follow imgtool so padded images are byte-identical.
 */
public record SlotTrailer(
        int align, int maxAlign, int maxSectors, boolean overwriteOnly, int erasedValue) {

    public static final int DEFAULT_MAX_SECTORS = 128;
    public static final int DEFAULT_MAX_ALIGN = 8;
    private static final int MAGIC_SIZE = 16;
    private static final byte[] MAGIC = HexFormat.of().parseHex("77c295f360d2ef7f3552500f2cb67980");
    private static final byte[] MAGIC_TAIL =
            HexFormat.of().parseHex("2de15d29410b8d77679c110f1f8a");

    public SlotTrailer {
        if (Integer.bitCount(align) != 1 || align > 32) {
            throw new IllegalArgumentException(
                    "invalid alignment " + align + ": expected 1, 2, 4, 8, 16 or 32");
        }
        if (Integer.bitCount(maxAlign) != 1 || maxAlign > 32 || maxAlign < align) {
            throw new IllegalArgumentException(
                    "invalid max alignment "
                            + maxAlign
                            + ": a power of two from the alignment ("
                            + align
                            + ") up to 32");
        }
        if (maxSectors <= 0) throw new IllegalArgumentException("max sectors must be positive");
        if (erasedValue != 0 && erasedValue != 0xFF)
            throw new IllegalArgumentException("erased value must be 0 or 0xff");
    }

    /** The trailer imgtool uses for {@code --align align} with default max align and sectors. */
    public static SlotTrailer forAlign(int align) {
        return new SlotTrailer(
                align, Math.max(DEFAULT_MAX_ALIGN, align), DEFAULT_MAX_SECTORS, false, 0xFF);
    }

    private int magicAlignSize() {
        return alignUp(MAGIC_SIZE, maxAlign);
    }

    /** Bytes the trailer reserves at the end of the slot. */
    public int size(boolean encrypted) {
        if (overwriteOnly) return maxAlign * 2 + magicAlignSize();
        int trailer = maxSectors * 3 * align;
        if (encrypted) trailer += alignUp(16, maxAlign) * 2;
        return trailer + maxAlign * 4 + magicAlignSize();
    }

    /** The boot magic: the standard 16 bytes for max align 8, else the align-tagged variant. */
    public byte[] magic() {
        if (maxAlign == DEFAULT_MAX_ALIGN) return MAGIC.clone();
        byte[] m = new byte[MAGIC_SIZE];
        m[0] = (byte) maxAlign;
        m[1] = (byte) (maxAlign >> 8);
        System.arraycopy(MAGIC_TAIL, 0, m, 2, MAGIC_TAIL.length);
        return m;
    }

    /**
     * The trailer bytes: erased cells, image_ok set when {@code confirm}, and the magic at the very
     * end.
     */
    public byte[] bytes(boolean encrypted, boolean confirm) {
        byte[] t = new byte[size(encrypted)];
        java.util.Arrays.fill(t, (byte) erasedValue);
        byte[] magic = magic();
        System.arraycopy(magic, 0, t, t.length - magic.length, magic.length);
        if (confirm && !overwriteOnly) t[t.length - (magicAlignSize() + maxAlign)] = 0x01;
        return t;
    }

    private static int alignUp(int n, int a) {
        return (n + a - 1) / a * a;
    }

    /** Trailer fields as read from the end of a padded slot image (dumpinfo's "trailer"). */
    public record Fields(byte[] magic, int imageOk, int copyDone, int swapInfo, long swapSize) {
        public Fields {
            magic = magic.clone();
        }

        @Override
        public byte[] magic() {
            return magic.clone();
        }
    }

    /**
     * Reads the trailer fields when the source ends with a boot magic after {@code imageEnd}; empty
     * when the image is not padded.
     */
    public static Optional<Fields> read(ImageSource src, long imageEnd, int maxAlign)
            throws IOException {
        long size = src.size();
        int magicAlign = alignUp(MAGIC_SIZE, maxAlign);
        if (size - imageEnd < magicAlign + 4L * maxAlign) return Optional.empty();
        byte[] magic = new byte[MAGIC_SIZE];
        src.read(size - MAGIC_SIZE, magic, 0, MAGIC_SIZE);
        boolean standard = java.util.Arrays.equals(magic, MAGIC);
        boolean tagged =
                java.util.Arrays.equals(java.util.Arrays.copyOfRange(magic, 2, 16), MAGIC_TAIL);
        if (!standard && !tagged) return Optional.empty();
        long base = size - magicAlign;
        int imageOk = readByte(src, base - maxAlign);
        int copyDone = readByte(src, base - 2L * maxAlign);
        int swapInfo = readByte(src, base - 3L * maxAlign);
        byte[] ss = new byte[4];
        src.read(base - 4L * maxAlign, ss, 0, 4);
        long swapSize =
                (ss[0] & 0xFFL)
                        | (ss[1] & 0xFFL) << 8
                        | (ss[2] & 0xFFL) << 16
                        | (ss[3] & 0xFFL) << 24;
        return Optional.of(new Fields(magic, imageOk, copyDone, swapInfo, swapSize));
    }

    private static int readByte(ImageSource src, long off) throws IOException {
        byte[] b = new byte[1];
        src.read(off, b, 0, 1);
        return b[0] & 0xFF;
    }
}
