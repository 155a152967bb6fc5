package dev.meerkat.boot;

import dev.meerkat.hal.FlashArea;
import dev.meerkat.hal.Sector;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Append-only log of {@link BootRecord}s in the boot-state area, in the manner of Mongoose OS's
 * {@code mgos_boot_cfg} and ESP-IDF's otadata.
 *
 * <ul>
 *   <li>Reading scans every record slot of every sector; the valid record (magic + CRC) with the
 *       highest sequence number is the state. Erased, torn or corrupted slots are skipped.
 *   <li>Appending programs the first erased slot after the newest record in the same sector. When
 *       that sector has no erased slot left, the next sector (cyclically) is erased and the record
 *       goes to its first slot. The sector holding the newest record is never erased, so a power
 *       cut at any point leaves the previous state readable.
 *   <li>A record is written with a single program operation of {@link BootRecord#SIZE} bytes and
 *       its CRC is at the end, so a torn write never yields a valid record with wrong content.
 *   <li>Records are never overwritten, so the store works on parts that forbid any second write to
 *       a programmed word.
 * </ul>
 */
public final class BootStateStore {

    private final FlashArea area;
    private final List<Sector> sectors;
    private final BootListener listener;

    public BootStateStore(FlashArea area, BootListener listener) {
        this.area = Objects.requireNonNull(area);
        this.sectors = area.sectors();
        this.listener = Objects.requireNonNull(listener);
        if (sectors.size() < 2) {
            throw new IllegalArgumentException("boot-state area needs at least two sectors");
        }
    }

    /** Where the newest record is, and where the next one goes. */
    record Scan(
            Optional<BootRecord> newest,
            int sector,
            int slot,
            int nextSector,
            int nextSlot,
            boolean needsErase) {}

    /** The current boot state: the newest valid record. */
    public Optional<BootRecord> load() {
        return scan().newest();
    }

    Scan scan() {
        BootRecord best = null;
        int bestSector = -1;
        int bestSlot = -1;
        byte[][] contents = new byte[sectors.size()][];
        for (int s = 0; s < sectors.size(); s++) {
            Sector sec = sectors.get(s);
            byte[] buf = area.read(sec.offset() - area.offset(), sec.size());
            contents[s] = buf;
            int slots = sec.size() / BootRecord.SIZE;
            for (int i = 0; i < slots; i++) {
                Optional<BootRecord> r = BootRecord.decode(buf, i * BootRecord.SIZE);
                if (r.isPresent() && (best == null || r.get().sequence() > best.sequence())) {
                    best = r.get();
                    bestSector = s;
                    bestSlot = i;
                }
            }
        }
        int sector = bestSector < 0 ? 0 : bestSector;
        int from = bestSector < 0 ? 0 : bestSlot + 1;
        byte[] buf = contents[sector];
        int slots = sectors.get(sector).size() / BootRecord.SIZE;
        for (int i = from; i < slots; i++) {
            if (isErased(buf, i * BootRecord.SIZE)) {
                return new Scan(Optional.ofNullable(best), bestSector, bestSlot, sector, i, false);
            }
        }
        int next = bestSector < 0 ? 0 : (sector + 1) % sectors.size();
        return new Scan(Optional.ofNullable(best), bestSector, bestSlot, next, 0, true);
    }

    private static boolean isErased(byte[] buf, int off) {
        for (int i = off; i < off + BootRecord.SIZE; i++) {
            if (buf[i] != (byte) 0xFF) {
                return false;
            }
        }
        return true;
    }

    /**
     * Appends {@code record}, which must carry a higher sequence number than the current newest.
     */
    public void append(BootRecord record) {
        Scan scan = scan();
        if (scan.newest().isPresent() && record.sequence() <= scan.newest().get().sequence()) {
            throw new IllegalArgumentException(
                    "record #"
                            + record.sequence()
                            + " is not newer than #"
                            + scan.newest().get().sequence());
        }
        Sector target = sectors.get(scan.nextSector());
        if (scan.needsErase()) {
            listener.log("boot-state: rotating to sector " + target.index());
            area.flash().eraseSector(target.index());
        }
        long address = target.offset() + (long) scan.nextSlot() * BootRecord.SIZE;
        listener.beforeRecordWrite(address, record);
        area.flash().write(address, record.encode());
    }

    /**
     * Erased record slots left in the sector that receives the next record (0 = next append
     * rotates).
     */
    public int freeSlotsInCurrentSector() {
        Scan scan = scan();
        if (scan.needsErase()) {
            return 0;
        }
        return sectors.get(scan.nextSector()).size() / BootRecord.SIZE - scan.nextSlot();
    }

    /** Record slots per sector of the area (smallest sector). */
    public int recordsPerSector() {
        return sectors.stream().mapToInt(s -> s.size() / BootRecord.SIZE).min().orElse(0);
    }

    /** The area this store lives in. */
    public FlashArea area() {
        return area;
    }
}
