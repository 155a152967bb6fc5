package dev.meerkat.boot.sim;

import dev.meerkat.boot.BootListener;
import dev.meerkat.boot.BootRecord;
import dev.meerkat.boot.BootStatus;
import dev.meerkat.boot.FlashLayout;
import dev.meerkat.hal.FlashArea;
import dev.meerkat.hal.NorFlash;
import dev.meerkat.hal.ResetCause;
import dev.meerkat.hal.Sector;
import java.io.PrintStream;
import java.util.List;

/**
 * Wear of the boot-state area and the slots: runs complete update cycles (install, test boot,
 * commit, normal boot) on a board and reports erases per sector per update, and how many updates
 * the boot-state area survives when each sector is rated for a given number of erase cycles.
 */
public final class WearBenchmark {

    /**
     * Figures for one profile.
     *
     * @param profile board
     * @param updates update cycles run
     * @param stateSectors sectors in the boot-state area
     * @param recordsPerSector record slots per boot-state sector
     * @param recordsPerUpdate boot-state records written per update cycle
     * @param stateErasesPerSectorPerUpdate mean erases of a boot-state sector per update
     * @param stateMaxErases erases of the most worn boot-state sector
     * @param slotErasesPerSectorPerUpdate mean erases of a slot sector per update
     * @param updatesAtEndurance updates until a boot-state sector reaches the rating (sectors x
     *     records per sector / records per update x rating)
     * @param measuredUpdatesAtEndurance the same extrapolated from the most worn sector in this run
     * @param endurance erase cycles a sector is rated for
     */
    public record Result(
            String profile,
            int updates,
            int stateSectors,
            int recordsPerSector,
            double recordsPerUpdate,
            double stateErasesPerSectorPerUpdate,
            long stateMaxErases,
            double slotErasesPerSectorPerUpdate,
            long updatesAtEndurance,
            long measuredUpdatesAtEndurance,
            long endurance) {

        public String format() {
            return String.format(
                    "%-10s updates=%d state: %d sectors x %d records, %.2f records/update, "
                            + "%.4f erases/sector/update (most worn sector %d) -> %,d updates at %,d cycles "
                            + "(extrapolated from the most worn sector: %,d); slots: %.3f erases/sector/update -> %,d updates",
                    profile,
                    updates,
                    stateSectors,
                    recordsPerSector,
                    recordsPerUpdate,
                    stateErasesPerSectorPerUpdate,
                    stateMaxErases,
                    updatesAtEndurance,
                    endurance,
                    measuredUpdatesAtEndurance,
                    slotErasesPerSectorPerUpdate,
                    (long) (endurance / slotErasesPerSectorPerUpdate));
        }
    }

    private WearBenchmark() {}

    /** Runs {@code updates} update cycles on {@code profile}. */
    public static Result run(SimProfile profile, int updates, long endurance) throws Exception {
        SimImages images = new SimImages(profile.payloadSize());
        SimDevice d = SimDevice.create(profile, images, 1, BootListener.NONE);
        d.factoryFlash(dev.meerkat.boot.Slot.A, images.standard("v1").bytes());
        d.cycle();
        d.reboot(ResetCause.SOFTWARE);
        d.cycle();
        NorFlash flash = d.device().flash();
        FlashLayout layout = d.layout();
        long[] wear0 = flash.eraseCounts();
        long seq0 = d.control().bootState().sequence();
        for (int i = 0; i < updates; i++) {
            BootStatus s = d.control().bootState();
            d.install(s.running().other(), images.series(i));
            d.reboot(ResetCause.SOFTWARE);
            d.cycle();
            d.reboot(ResetCause.SOFTWARE);
            d.cycle();
        }
        long[] wear = flash.eraseCounts();
        long records = d.control().bootState().sequence() - seq0;
        List<Sector> state = layout.bootState().sectors();
        long stateErases = 0;
        long stateMax = 0;
        for (Sector s : state) {
            long e = wear[s.index()] - wear0[s.index()];
            stateErases += e;
            stateMax = Math.max(stateMax, e);
        }
        long slotErases = 0;
        int slotSectors = 0;
        for (FlashArea slot : List.of(layout.slotA(), layout.slotB())) {
            for (Sector s : slot.sectors()) {
                slotErases += wear[s.index()] - wear0[s.index()];
                slotSectors++;
            }
        }
        int perSector =
                layout.bootState().sectors().stream()
                        .mapToInt(s -> s.size() / BootRecord.SIZE)
                        .min()
                        .orElseThrow();
        double recordsPerUpdate = (double) records / updates;
        // each sector is erased once per full pass over the area: one erase per perSector records
        long atEndurance =
                (long) (endurance * (double) state.size() * perSector / recordsPerUpdate);
        long measured = stateMax == 0 ? Long.MAX_VALUE : updates * endurance / stateMax;
        return new Result(
                profile.name(),
                updates,
                state.size(),
                perSector,
                recordsPerUpdate,
                (double) stateErases / state.size() / updates,
                stateMax,
                (double) slotErases / slotSectors / updates,
                atEndurance,
                measured,
                endurance);
    }

    /** Prints the figures for every profile. */
    public static void report(PrintStream out, int updates) throws Exception {
        out.println(
                "wear: "
                        + updates
                        + " update cycles per profile (install, test boot, commit, normal boot)");
        for (SimProfile p : SimProfile.all()) {
            out.println(run(p, updates, 10_000).format());
        }
    }

    public static void main(String[] args) throws Exception {
        report(System.out, args.length > 0 ? Integer.parseInt(args[0]) : 1000);
    }
}
