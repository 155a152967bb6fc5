package dev.meerkat.hal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Emulated NOR flash, held in memory and optionally mirrored to a file so that a device survives a
 * restart of the emulating process.
 *
 * <p>File backing: the part's bytes live in {@code <file>} (exactly {@code geometry.size()} bytes)
 * and every write or erase is written through to it at its offset, so the file always equals the
 * emulated part, including the partial effect of a torn operation. Erase counters live in {@code
 * <file>.meta} together with the geometry; that small file is replaced atomically (write to a
 * temporary file, then rename) after every erase so it is never half written. Written data reaches
 * the operating system before the operation returns; {@link #flush()} forces it to the storage
 * device as well.
 */
public final class NorFlash implements Flash, AutoCloseable {

    private static final String META_MAGIC = "meerkat-nor-flash 1";

    private final FlashGeometry geometry;
    private final PowerSupply power;
    private final byte[] data;
    private final long[] eraseCounts;
    private final long[] sectorOffsets;
    private final FileChannel file;
    private final Path metaPath;

    private long reads;
    private long bytesRead;
    private long writes;
    private long bytesWritten;
    private long erases;

    private NorFlash(
            FlashGeometry geometry,
            PowerSupply power,
            byte[] data,
            long[] eraseCounts,
            FileChannel file,
            Path metaPath) {
        this.geometry = geometry;
        this.power = power;
        this.data = data;
        this.eraseCounts = eraseCounts;
        this.file = file;
        this.metaPath = metaPath;
        List<Sector> sectors = geometry.sectors();
        this.sectorOffsets = new long[sectors.size()];
        for (int i = 0; i < sectorOffsets.length; i++) {
            sectorOffsets[i] = sectors.get(i).offset();
        }
    }

    /** A fresh, fully erased part kept in memory. */
    public static NorFlash inMemory(FlashGeometry geometry, PowerSupply power) {
        Objects.requireNonNull(geometry, "geometry");
        Objects.requireNonNull(power, "power");
        byte[] data = FlashGeometry.erasedBytes(Math.toIntExact(geometry.size()));
        return new NorFlash(geometry, power, data, new long[geometry.sectorCount()], null, null);
    }

    /**
     * Opens the part stored in {@code path}, creating an erased one when the file does not exist.
     * An existing file must have been created with the same geometry.
     */
    public static NorFlash fileBacked(Path path, FlashGeometry geometry, PowerSupply power)
            throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(geometry, "geometry");
        Objects.requireNonNull(power, "power");
        Path meta = path.resolveSibling(path.getFileName() + ".meta");
        int size = Math.toIntExact(geometry.size());
        long[] counts = new long[geometry.sectorCount()];
        byte[] data;
        if (Files.exists(path)) {
            if (Files.size(path) != size) {
                throw new IOException(
                        path + " holds " + Files.size(path) + " bytes, geometry needs " + size);
            }
            data = Files.readAllBytes(path);
            if (Files.exists(meta)) {
                readMeta(meta, geometry, counts);
            }
        } else {
            data = FlashGeometry.erasedBytes(size);
            Files.write(path, data);
            writeMeta(meta, geometry, counts);
        }
        FileChannel channel =
                FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new NorFlash(geometry, power, data, counts, channel, meta);
    }

    @Override
    public FlashGeometry geometry() {
        return geometry;
    }

    /** The power supply this part draws from. */
    public PowerSupply power() {
        return power;
    }

    @Override
    public void read(long address, byte[] dst, int off, int len) {
        checkRange(address, len, "read");
        Objects.checkFromIndexSize(off, len, dst.length);
        power.ensureUp("read");
        System.arraycopy(data, (int) address, dst, off, len);
        reads++;
        bytesRead += len;
    }

    @Override
    public void write(long address, byte[] src, int off, int len) {
        checkRange(address, len, "write");
        Objects.checkFromIndexSize(off, len, src.length);
        int align = geometry.writeAlignment();
        if (address % align != 0 || len % align != 0) {
            throw new FlashException(
                    FlashException.Kind.MISALIGNED,
                    "write [0x"
                            + Long.toHexString(address)
                            + ", +"
                            + len
                            + ") not aligned to "
                            + align);
        }
        int base = (int) address;
        for (int i = 0; i < len; i++) {
            byte old = data[base + i];
            byte now = src[off + i];
            boolean ok =
                    geometry.overwrite() == OverwritePolicy.ERASED_ONLY
                            ? old == FlashGeometry.ERASED
                            : (old & now) == now;
            if (!ok) {
                throw new FlashException(
                        FlashException.Kind.NOT_ERASED,
                        String.format(
                                "write at 0x%x would program 0x%02x over 0x%02x",
                                address + i, now & 0xff, old & 0xff));
            }
        }
        String what = "write [0x" + Long.toHexString(address) + ", +" + len + ")";
        boolean torn = power.beginMutation(what);
        int applied = torn ? power.random().nextInt(len + 1) : len;
        for (int i = 0; i < applied; i++) {
            data[base + i] &= src[off + i];
        }
        writes++;
        bytesWritten += applied;
        persist(base, applied);
        if (torn) {
            throw power.tornException(what);
        }
    }

    @Override
    public void eraseSector(int sectorIndex) {
        if (sectorIndex < 0 || sectorIndex >= sectorOffsets.length) {
            throw new FlashException(FlashException.Kind.OUT_OF_RANGE, "no sector " + sectorIndex);
        }
        Sector s = geometry.sector(sectorIndex);
        String what = "erase of sector " + sectorIndex;
        boolean torn = power.beginMutation(what);
        int from = (int) s.offset();
        if (torn) {
            tearErase(from, s.size(), power.random());
        } else {
            Arrays.fill(data, from, from + s.size(), FlashGeometry.ERASED);
        }
        erases++;
        eraseCounts[sectorIndex]++;
        persist(from, s.size());
        persistMeta();
        if (torn) {
            throw power.tornException(what);
        }
    }

    /**
     * An interrupted erase: some bytes reached 0xFF, some kept their old value, some are in an
     * intermediate state (random bits). Which is which is undefined, i.e. random.
     */
    private void tearErase(int from, int size, Random random) {
        int mode = random.nextInt(4);
        for (int i = from; i < from + size; i++) {
            switch (mode) {
                case 0 -> data[i] = (byte) random.nextInt(256); // everything undefined
                case 1 -> {} // cut before any bit moved
                default -> {
                    int r = random.nextInt(4);
                    if (r == 0) {
                        data[i] = FlashGeometry.ERASED;
                    } else if (r == 1) {
                        data[i] |= (byte) random.nextInt(256); // erase only sets bits
                    }
                }
            }
        }
    }

    @Override
    public FlashStats stats() {
        return new FlashStats(reads, bytesRead, writes, bytesWritten, erases);
    }

    @Override
    public long eraseCount(int sectorIndex) {
        return eraseCounts[sectorIndex];
    }

    /** Erase counters of every sector, in sector order. */
    public long[] eraseCounts() {
        return eraseCounts.clone();
    }

    /** Whether this part mirrors itself to a file. */
    public boolean isFileBacked() {
        return file != null;
    }

    /** Forces file-backed content to the storage device. */
    public void flush() {
        if (file != null) {
            try {
                file.force(false);
            } catch (IOException e) {
                throw new FlashException(FlashException.Kind.IO, "flush failed", e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (file != null) {
            file.force(false);
            file.close();
        }
    }

    /**
     * Replaces the whole content and the wear counters, e.g. to start many simulations from one
     * prepared state. Not a flash operation: no power check, no statistics.
     */
    public void load(byte[] content, long[] wear) {
        if (content.length != data.length || wear.length != eraseCounts.length) {
            throw new IllegalArgumentException("content/wear do not match the geometry");
        }
        System.arraycopy(content, 0, data, 0, data.length);
        System.arraycopy(wear, 0, eraseCounts, 0, eraseCounts.length);
        persist(0, data.length);
        persistMeta();
    }

    /** A copy of the whole part's content, for tests and inspection (not counted as a read). */
    public byte[] snapshot() {
        return data.clone();
    }

    private void checkRange(long address, int len, String op) {
        if (len < 0 || address < 0 || address + len > data.length) {
            throw new FlashException(
                    FlashException.Kind.OUT_OF_RANGE,
                    op
                            + " [0x"
                            + Long.toHexString(address)
                            + ", +"
                            + len
                            + ") outside part of "
                            + data.length);
        }
    }

    private void persist(int from, int len) {
        if (file == null || len == 0) {
            return;
        }
        try {
            ByteBuffer buf = ByteBuffer.wrap(data, from, len);
            long pos = from;
            while (buf.hasRemaining()) {
                pos += file.write(buf, pos);
            }
        } catch (IOException e) {
            throw new FlashException(FlashException.Kind.IO, "cannot update backing file", e);
        }
    }

    private void persistMeta() {
        if (metaPath == null) {
            return;
        }
        try {
            writeMeta(metaPath, geometry, eraseCounts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeMeta(Path meta, FlashGeometry geometry, long[] counts)
            throws IOException {
        StringBuilder sb = new StringBuilder(META_MAGIC).append('\n');
        sb.append("geometry=").append(geometry.describe()).append('\n');
        sb.append("erase-counts=");
        for (int i = 0; i < counts.length; i++) {
            sb.append(i == 0 ? "" : ",").append(counts[i]);
        }
        sb.append('\n');
        writeAtomically(meta, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void readMeta(Path meta, FlashGeometry geometry, long[] counts)
            throws IOException {
        List<String> lines = Files.readAllLines(meta, StandardCharsets.UTF_8);
        if (lines.size() < 3 || !lines.get(0).equals(META_MAGIC)) {
            throw new IOException(meta + " is not a flash metadata file");
        }
        FlashGeometry stored = FlashGeometry.parse(lines.get(1).substring("geometry=".length()));
        if (!stored.equals(geometry)) {
            throw new IOException(
                    meta + " describes " + stored.describe() + ", expected " + geometry.describe());
        }
        String[] values = lines.get(2).substring("erase-counts=".length()).split(",");
        if (values.length != counts.length) {
            throw new IOException(
                    meta
                            + " has "
                            + values.length
                            + " erase counters for "
                            + counts.length
                            + " sectors");
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] = Long.parseLong(values[i]);
        }
    }

    /**
     * Replaces {@code target} with {@code content} so that readers see the old or the new file,
     * never a mix.
     */
    static void writeAtomically(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, content);
        try {
            Files.move(
                    tmp,
                    target,
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
