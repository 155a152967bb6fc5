package dev.meerkat.boot.sim;

import dev.meerkat.boot.BootListener;
import dev.meerkat.boot.BootMode;
import dev.meerkat.boot.BootPhase;
import dev.meerkat.boot.BootRecord;
import dev.meerkat.boot.BootResult;
import dev.meerkat.boot.BootStateStore;
import dev.meerkat.boot.BootStatus;
import dev.meerkat.boot.Slot;
import dev.meerkat.boot.SlotImageSource;
import dev.meerkat.hal.Device;
import dev.meerkat.hal.PowerLossException;
import dev.meerkat.hal.ResetCause;
import dev.meerkat.image.ImageFormatException;
import dev.meerkat.image.ImageVerifier;
import dev.meerkat.image.ImageVersion;
import dev.meerkat.image.VerificationKey;
import dev.meerkat.image.VerifiedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Exhaustive power-cut campaign in the spirit of MCUboot's simulator. For every scenario and board
 * profile: run the scenario once to count its state-changing operations (flash writes, erases,
 * counter increases); then, for every operation {@code x}, start again from the same state, tear
 * operation {@code x}, restore power and boot (the recovery), and check the outcome. Each recovery
 * is itself counted and cut at each of its operations (a second cut during recovery), followed by
 * another boot and check.
 *
 * <p>The checks after every boot:
 *
 * <ul>
 *   <li><b>bricked</b>: the bootloader found nothing to boot, or failed with an exception;
 *   <li><b>wrong image</b>: the booted slot, mode or image differ from what the reference model
 *       derives from the records that were durably written (COMMITTED → active, normal; PENDING →
 *       active, test; TESTING → revert, normal), the booted image does not verify independently, or
 *       the boot state read back does not match what was booted;
 *   <li><b>downgraded</b>: the booted image is older than an image that had been committed, or its
 *       security counter is below the device's counter.
 * </ul>
 *
 * Whether a torn record write counts as written is decided by comparing the flash bytes with the
 * record's encoding, not by the bootloader's own parser.
 */
public final class PowerCutCampaign {

    /** Per scenario and profile figures. */
    public record ScenarioResult(
            String scenario,
            String profile,
            long operations,
            long firstCuts,
            long secondCuts,
            long bricked,
            long downgraded,
            long wrongImage,
            List<String> failures) {
        public ScenarioResult {
            failures = List.copyOf(failures);
        }

        /** All cut points exercised. */
        public long cutPoints() {
            return firstCuts + secondCuts;
        }

        /** Whether every check passed. */
        public boolean passed() {
            return bricked == 0 && downgraded == 0 && wrongImage == 0;
        }
    }

    /** Campaign totals. */
    public record Result(List<ScenarioResult> scenarios) {
        public Result {
            scenarios = List.copyOf(scenarios);
        }

        public long cutPoints() {
            return scenarios.stream().mapToLong(ScenarioResult::cutPoints).sum();
        }

        public long bricked() {
            return scenarios.stream().mapToLong(ScenarioResult::bricked).sum();
        }

        public long downgraded() {
            return scenarios.stream().mapToLong(ScenarioResult::downgraded).sum();
        }

        public long wrongImage() {
            return scenarios.stream().mapToLong(ScenarioResult::wrongImage).sum();
        }

        public boolean passed() {
            return bricked() == 0 && downgraded() == 0 && wrongImage() == 0;
        }

        /** The one-line JSON summary. */
        public String toJson() {
            return "{\"scenarios\":"
                    + scenarios.size()
                    + ",\"cutPoints\":"
                    + cutPoints()
                    + ",\"bricked\":"
                    + bricked()
                    + ",\"downgraded\":"
                    + downgraded()
                    + ",\"wrongImage\":"
                    + wrongImage()
                    + ",\"passed\":"
                    + passed()
                    + "}";
        }
    }

    private final boolean secondCuts;
    private final long seed;
    private final Consumer<String> progress;
    private final Map<Integer, SimImages> imagesByPayload = new HashMap<>();

    /**
     * @param secondCuts also cut every operation of every recovery
     * @param seed seed of torn-operation content
     * @param progress receives a line per finished scenario
     */
    public PowerCutCampaign(boolean secondCuts, long seed, Consumer<String> progress) {
        this.secondCuts = secondCuts;
        this.seed = seed;
        this.progress = progress;
    }

    /** Runs {@code scenarios} on every profile. */
    public Result run(List<Scenario> scenarios, List<SimProfile> profiles) throws Exception {
        List<ScenarioResult> out = new ArrayList<>();
        for (SimProfile p : profiles) {
            for (Scenario s : scenarios) {
                ScenarioResult r = run(s, p);
                progress.accept(
                        String.format(
                                "%-22s %-10s ops=%-4d cuts=%-5d (first %d, second %d) bricked=%d "
                                        + "downgraded=%d wrong_image=%d",
                                r.scenario(),
                                r.profile(),
                                r.operations(),
                                r.cutPoints(),
                                r.firstCuts(),
                                r.secondCuts(),
                                r.bricked(),
                                r.downgraded(),
                                r.wrongImage()));
                r.failures().forEach(f -> progress.accept("    " + f));
                out.add(r);
            }
        }
        return new Result(out);
    }

    /** Records every boot-state record write with the index of the operation that writes it. */
    private static final class Recorder implements BootListener {
        record Write(long op, long address, BootRecord record) {}

        Device device;
        final List<Write> writes = new ArrayList<>();

        @Override
        public void beforeRecordWrite(long address, BootRecord record) {
            writes.add(new Write(device.power().operationCount(), address, record));
        }
    }

    private SimDevice fresh(SimProfile p, SimImages images, Device.Snapshot snap, Recorder rec) {
        SimDevice d = SimDevice.restore(p, images, snap, seed, rec);
        rec.device = d.device();
        return d;
    }

    /** Tally of one scenario. */
    private final class Tally {
        long bricked;
        long downgraded;
        long wrong;
        final List<String> failures = new ArrayList<>();

        void fail(String kind, String what) {
            switch (kind) {
                case "bricked" -> bricked++;
                case "downgraded" -> downgraded++;
                default -> wrong++;
            }
            if (failures.size() < 8) {
                failures.add(kind + ": " + what);
            }
        }
    }

    /**
     * Durable state: the last durable record (empty = none ever) and the newest committed version.
     */
    private record Durable(Optional<BootRecord> state, Optional<ImageVersion> floor) {}

    ScenarioResult run(Scenario scenario, SimProfile profile) throws Exception {
        SimImages images = imagesByPayload.computeIfAbsent(profile.payloadSize(), SimImages::new);
        SimDevice base = SimDevice.create(profile, images, seed, BootListener.NONE);
        scenario.setup(base);
        Device.Snapshot start = base.device().snapshot();
        Optional<BootRecord> initial =
                new BootStateStore(base.layout().bootState(), BootListener.NONE).load();
        Durable initialDurable =
                new Durable(
                        initial,
                        initial.filter(BootRecord::committed)
                                .flatMap(r -> images.byHashPrefix(r.activeHash()))
                                .map(SimImages.Image::version));
        Tally tally = new Tally();

        // reference run: count operations, and check the uninterrupted outcome
        Recorder golden = new Recorder();
        SimDevice g = fresh(profile, images, start, golden);
        scenario.run(g);
        long ops = g.device().power().operationCount();
        g.reboot(ResetCause.SOFTWARE);
        check(g, chain(initialDurable, golden.writes, Long.MAX_VALUE, g), images, tally, "no cut");

        long firstCuts = 0;
        long second = 0;
        for (long x = 0; x < ops; x++) {
            Recorder rec = new Recorder();
            SimDevice d = fresh(profile, images, start, rec);
            d.device().power().cutAfter(x);
            if (!cut(() -> scenario.run(d), tally, "cut " + x)) {
                continue;
            }
            d.device().reset(ResetCause.POWER_LOSS);
            Durable afterCut = chain(initialDurable, rec.writes, x, d);
            Device.Snapshot cutState = d.device().snapshot();
            firstCuts++;

            Recorder recRec = new Recorder();
            SimDevice r = fresh(profile, images, cutState, recRec);
            long recoveryOps = check(r, afterCut, images, tally, "cut " + x);
            if (!secondCuts) {
                continue;
            }
            for (long y = 0; y < recoveryOps; y++) {
                Recorder rec2 = new Recorder();
                SimDevice r2 = fresh(profile, images, cutState, rec2);
                r2.device().power().cutAfter(y);
                if (!cut(() -> r2.cycle(), tally, "cut " + x + "+" + y)) {
                    continue;
                }
                r2.device().reset(ResetCause.POWER_LOSS);
                Durable afterSecond = chain(afterCut, rec2.writes, y, r2);
                second++;
                check(r2, afterSecond, images, tally, "cut " + x + " then " + y);
            }
        }
        return new ScenarioResult(
                scenario.name(),
                profile.name(),
                ops,
                firstCuts,
                second,
                tally.bricked,
                tally.downgraded,
                tally.wrong,
                tally.failures);
    }

    @FunctionalInterface
    private interface Action {
        void run() throws Exception;
    }

    /** Runs {@code a} expecting the armed cut to stop it; false (and a failure) otherwise. */
    private static boolean cut(Action a, Tally tally, String where) {
        try {
            a.run();
            tally.fail(
                    "bricked", where + ": the cut point was not reached (non-deterministic run)");
            return false;
        } catch (PowerLossException expected) {
            return true;
        } catch (Exception | Error e) {
            tally.fail("bricked", where + ": " + e);
            return false;
        }
    }

    /**
     * Durable state after records written before operation {@code cutOp} (and at it, if complete).
     */
    private static Durable chain(
            Durable before, List<Recorder.Write> writes, long cutOp, SimDevice d) {
        Optional<BootRecord> state = before.state();
        Optional<ImageVersion> floor = before.floor();
        for (Recorder.Write w : writes) {
            boolean durable = w.op() < cutOp;
            if (w.op() == cutOp) {
                byte[] onFlash = d.device().flash().snapshot();
                byte[] enc = w.record().encode();
                durable =
                        Arrays.equals(
                                Arrays.copyOfRange(
                                        onFlash, (int) w.address(), (int) w.address() + enc.length),
                                enc);
            }
            if (!durable) {
                continue;
            }
            state = Optional.of(w.record());
            if (w.record().committed()) {
                Optional<ImageVersion> v =
                        d.images()
                                .byHashPrefix(w.record().activeHash())
                                .map(SimImages.Image::version);
                if (v.isPresent() && (floor.isEmpty() || v.get().compareTo(floor.get()) > 0)) {
                    floor = v;
                }
            }
        }
        return new Durable(state, floor);
    }

    /** What the reference model says the next boot must start. */
    private record Expected(Slot slot, BootMode mode, byte[] hashPrefix) {}

    private static Optional<Expected> model(Optional<BootRecord> state) {
        if (state.isEmpty()) {
            return Optional.empty();
        }
        BootRecord r = state.get();
        return Optional.of(
                switch (r.phase()) {
                    case COMMITTED -> new Expected(r.active(), BootMode.NORMAL, r.activeHash());
                    case PENDING -> new Expected(r.active(), BootMode.TEST, r.activeHash());
                    case TESTING ->
                            new Expected(r.revert().orElseThrow(), BootMode.NORMAL, r.revertHash());
                    default -> throw new IllegalStateException("not a stored phase: " + r.phase());
                });
    }

    /**
     * Boots {@code d} (and runs its firmware), checks the boot against {@code durable}, then
     * reboots once more and checks that the device still runs a valid image.
     *
     * @return state-changing operations of the first power cycle (the recovery)
     */
    private long check(SimDevice d, Durable durable, SimImages images, Tally tally, String where) {
        long before = d.device().power().operationCount();
        long[] counterBefore = {d.device().counters().read(0)};
        try {
            SimDevice.Cycle c =
                    d.cycle(
                            boot -> {
                                if (boot instanceof BootResult.Jump j) {
                                    verifyJump(
                                            d, j, durable, images, counterBefore[0], tally, where);
                                }
                            });
            long recoveryOps = d.device().power().operationCount() - before;
            if (c.boot() instanceof BootResult.Recovery rec) {
                tally.fail("bricked", where + ": " + rec.report());
                return recoveryOps;
            }
            if (c.firmwareReset().isEmpty()) {
                d.reboot(ResetCause.SOFTWARE);
            }
            SimDevice.Cycle settle = d.cycle();
            if (settle.boot() instanceof BootResult.Recovery rec) {
                tally.fail("bricked", where + ", second boot: " + rec.report());
            } else if (settle.boot() instanceof BootResult.Jump j2 && !independentlyValid(d, j2)) {
                tally.fail(
                        "wrong_image", where + ", second boot: " + j2.slot() + " does not verify");
            }
            return recoveryOps;
        } catch (PowerLossException e) {
            throw e;
        } catch (RuntimeException e) {
            tally.fail("bricked", where + ": " + e);
            return d.device().power().operationCount() - before;
        }
    }

    private static void verifyJump(
            SimDevice d,
            BootResult.Jump j,
            Durable durable,
            SimImages images,
            long counterBefore,
            Tally tally,
            String where) {
        Optional<SimImages.Image> booted = images.byHashPrefix(j.image().hash());
        String label = booted.map(SimImages.Image::label).orElse("unknown image");
        if (!independentlyValid(d, j)) {
            tally.fail(
                    "wrong_image",
                    where + ": booted " + j.slot() + " (" + label + ") does not verify");
            return;
        }
        Optional<Expected> exp = model(durable.state());
        if (exp.isPresent()) {
            Expected e = exp.get();
            if (e.slot() != j.slot()
                    || e.mode() != j.mode()
                    || !Arrays.equals(
                            e.hashPrefix(),
                            Arrays.copyOf(j.image().hash(), BootRecord.HASH_PREFIX))) {
                String expLabel =
                        images.byHashPrefix(e.hashPrefix()).map(SimImages.Image::label).orElse("?");
                tally.fail(
                        "wrong_image",
                        where
                                + ": booted "
                                + label
                                + " in "
                                + j.slot()
                                + " "
                                + j.mode()
                                + ", model expects "
                                + expLabel
                                + " in "
                                + e.slot()
                                + " "
                                + e.mode()
                                + " (state "
                                + durable.state().get()
                                + ")");
                return;
            }
        }
        if (durable.floor().isPresent()
                && j.image().version().compareTo(durable.floor().get()) < 0) {
            tally.fail(
                    "downgraded",
                    where
                            + ": booted "
                            + label
                            + " "
                            + j.image().version()
                            + " after "
                            + durable.floor().get()
                            + " was committed");
            return;
        }
        long counter =
                j.image().header() == null ? 0 : booted.map(SimImages.Image::counter).orElse(0L);
        if (counter < counterBefore) {
            tally.fail(
                    "downgraded",
                    where
                            + ": booted security counter "
                            + counter
                            + " below device's "
                            + counterBefore);
            return;
        }
        BootStatus s = d.control().bootState();
        BootPhase wantPhase = j.mode() == BootMode.TEST ? BootPhase.TESTING : BootPhase.COMMITTED;
        if (s.phase() != wantPhase || s.active() != j.slot() || s.rejected().contains(j.slot())) {
            tally.fail(
                    "wrong_image",
                    where
                            + ": boot state "
                            + s
                            + " inconsistent with "
                            + j.mode()
                            + " boot of "
                            + j.slot());
        }
    }

    /** Re-verifies the booted slot with a verifier built here, not the bootloader's. */
    private static boolean independentlyValid(SimDevice d, BootResult.Jump j) {
        List<VerificationKey> keys =
                List.of(d.images().key1().verificationKey(), d.images().key2().verificationKey());
        try {
            VerifiedImage v =
                    ImageVerifier.trusting(keys)
                            .withMaxSize(d.layout().slot(j.slot()).size())
                            .verify(new SlotImageSource(d.layout().slot(j.slot())));
            return Arrays.equals(v.hash(), j.image().hash());
        } catch (ImageFormatException e) {
            return false;
        }
    }
}
