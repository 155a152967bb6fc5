package dev.meerkat.firmware.secureboot;

import dev.meerkat.boot.BootResult;
import dev.meerkat.boot.Slot;
import dev.meerkat.boot.SlotImageSource;
import dev.meerkat.boot.UpdateRejectedException;
import dev.meerkat.boot.sim.Behavior;
import dev.meerkat.boot.sim.SimImages;
import dev.meerkat.boot.sim.SimProfile;
import dev.meerkat.hal.PowerLossException;
import dev.meerkat.hal.ResetCause;
import dev.meerkat.image.ImageFormatException;
import dev.meerkat.image.ImageSigner;
import dev.meerkat.image.ImageVerifier;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.SigningKey;
import dev.meerkat.image.VerifiedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Power-cut runs of the secure-boot board: each scenario runs once to count its flash operations
 * and chip commands, then again from the same state for every one of them, with the power cut at
 * that operation (a torn flash write or erase) or right after that chip command (it ran, its answer
 * was lost). After the cut the board is powered again and boots until it settles. Checked after
 * every recovery:
 *
 * <ul>
 *   <li><b>bricked</b>: nothing boots;
 *   <li><b>unapproved</b>: the board runs an image the chip's key did not sign (the bootloader
 *       trusts a second key the chip does not), or the chip refuses the image the board runs;
 *   <li><b>wrong image</b>: the image booted does not verify, or is not the one the scenario leads
 *       to (the old image or the update, depending on how far it got).
 * </ul>
 */
public final class SecureBootPowerCut {

    /** Figures of one scenario. */
    public record Result(
            String scenario,
            long flashOps,
            long chipCommands,
            long cuts,
            long bricked,
            long unapproved,
            long wrongImage,
            List<String> failures) {
        public Result {
            failures = List.copyOf(failures);
        }

        public boolean passed() {
            return bricked == 0 && unapproved == 0 && wrongImage == 0;
        }

        public String summary() {
            return String.format(
                    "%-14s flash_ops=%-4d chip_commands=%-3d cuts=%-4d bricked=%d unapproved=%d wrong_image=%d",
                    scenario, flashOps, chipCommands, cuts, bricked, unapproved, wrongImage);
        }
    }

    /** A scenario: set the board up, then the part that is cut; and the images it may end on. */
    private record Scenario(String name, Step setup, Step run, List<String> acceptable) {}

    @FunctionalInterface
    private interface Step {
        void on(SecureBootBoard b) throws Exception;
    }

    private final SimProfile profile = SimProfile.uniform4k();
    private final SimImages images;
    private final SigningKey chipKey = SigningKey.generate(KeyType.ECDSA_P256);
    private final SigningKey otherKey = SigningKey.generate(KeyType.ECDSA_P256);
    private final SimImages.Image v1;
    private final SimImages.Image v2;
    private final SimImages.Image foreign;
    private final long seed;

    public SecureBootPowerCut(long seed) {
        this.seed = seed;
        this.images = new SimImages(8 * 1024);
        this.v1 =
                images.build(
                        "sb-v1",
                        "1.0.0",
                        1,
                        Behavior.COMMIT,
                        chipKey,
                        List.of(),
                        ImageSigner.PublicKeyFormat.HASH);
        this.v2 =
                images.build(
                        "sb-v2",
                        "1.1.0",
                        1,
                        Behavior.COMMIT,
                        chipKey,
                        List.of(),
                        ImageSigner.PublicKeyFormat.HASH);
        this.foreign =
                images.build(
                        "sb-foreign",
                        "1.2.0",
                        1,
                        Behavior.COMMIT,
                        otherKey,
                        List.of(),
                        ImageSigner.PublicKeyFormat.HASH);
    }

    private List<Scenario> scenarios() {
        Step factoryV1 = b -> b.sim().factoryFlash(Slot.A, v1.bytes());
        Step firstBoot =
                b -> {
                    factoryV1.on(b);
                    b.cycle();
                };
        return List.of(
                new Scenario("first-boot", factoryV1, SecureBootBoard::cycle, List.of("sb-v1")),
                new Scenario(
                        "update",
                        firstBoot,
                        b -> {
                            install(b, v2);
                            b.sim().reboot(ResetCause.SOFTWARE);
                            b.cycle();
                            b.sim().reboot(ResetCause.SOFTWARE);
                            b.cycle();
                        },
                        List.of("sb-v1", "sb-v2")),
                new Scenario(
                        "foreign-update",
                        firstBoot,
                        b -> {
                            install(b, foreign);
                            b.sim().reboot(ResetCause.SOFTWARE);
                            b.cycle();
                            b.sim().reboot(ResetCause.SOFTWARE);
                            b.cycle();
                        },
                        List.of("sb-v1")));
    }

    private static void install(SecureBootBoard b, SimImages.Image image)
            throws UpdateRejectedException {
        try {
            b.sim().updater().install(Slot.B, image.bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Names of the scenarios. */
    public List<String> scenarioNames() {
        return scenarios().stream().map(Scenario::name).toList();
    }

    /** Runs every scenario; {@code progress} receives a line per scenario. */
    public List<Result> run(Consumer<String> progress) throws Exception {
        return run("all", progress);
    }

    /** Runs the named scenario, or all of them for "all". */
    public List<Result> run(String name, Consumer<String> progress) throws Exception {
        List<Scenario> chosen =
                scenarios().stream()
                        .filter(s -> "all".equals(name) || s.name().equals(name))
                        .toList();
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException(
                    "unknown secure-boot scenario " + name + "; known: " + scenarioNames());
        }
        List<Result> out = new ArrayList<>();
        for (Scenario s : chosen) {
            Result r = run(s);
            progress.accept(r.summary());
            r.failures().forEach(f -> progress.accept("    " + f));
            out.add(r);
        }
        return out;
    }

    private Result run(Scenario s) throws Exception {
        SecureBootBoard base =
                SecureBootBoard.provision(
                        profile, images, chipKey, new SigningKey[] {chipKey, otherKey}, seed);
        s.setup().on(base);
        SecureBootBoard.Snapshot start = base.snapshot();
        List<String> failures = new ArrayList<>();
        long[] tally = new long[3]; // bricked, unapproved, wrong image

        SecureBootBoard golden = base.restore(start, seed);
        long flash0 = golden.sim().device().power().operationCount();
        long chip0 = golden.chip().commandCount();
        s.run().on(golden);
        long flashOps = golden.sim().device().power().operationCount() - flash0;
        long chipCommands = golden.chip().commandCount() - chip0;
        check(golden, s, "no cut", tally, failures);

        long cuts = 0;
        for (long x = 0; x < flashOps + chipCommands; x++) {
            SecureBootBoard b = base.restore(start, seed);
            boolean flashCut = x < flashOps;
            String where = flashCut ? "flash op " + x : "chip command " + (x - flashOps);
            if (flashCut) {
                b.sim().device().power().cutAfter(x);
            } else {
                b.chip().faults().powerLossAfter((int) (x - flashOps));
            }
            try {
                s.run().on(b);
                fail(tally, 0, failures, where + ": the cut was not reached");
                continue;
            } catch (PowerLossException expected) {
                cuts++;
            }
            b.powerCycle();
            check(b, s, where, tally, failures);
        }
        return new Result(
                s.name(), flashOps, chipCommands, cuts, tally[0], tally[1], tally[2], failures);
    }

    /**
     * Boots the recovered board (twice, so a test boot is followed by the committed one) and checks
     * it.
     */
    private void check(
            SecureBootBoard b, Scenario s, String where, long[] tally, List<String> failures) {
        BootResult last = null;
        for (int i = 0; i < 2; i++) {
            try {
                last = b.cycle();
            } catch (RuntimeException e) {
                fail(tally, 0, failures, where + ": " + e);
                return;
            }
            b.sim().reboot(ResetCause.SOFTWARE);
        }
        if (!(last instanceof BootResult.Jump j)) {
            fail(tally, 0, failures, where + ": " + ((BootResult.Recovery) last).report());
            return;
        }
        byte[] hash = j.image().hash();
        String label = images.byHashPrefix(hash).map(SimImages.Image::label).orElse("unknown");
        VerifiedImage v;
        try {
            v =
                    ImageVerifier.trusting(List.of(chipKey.verificationKey()))
                            .withMaxSize(b.sim().layout().slot(j.slot()).size())
                            .verify(new SlotImageSource(b.sim().layout().slot(j.slot())));
        } catch (ImageFormatException e) {
            fail(tally, 1, failures, where + ": runs " + label + ", not signed by the chip's key");
            return;
        }
        if (!Arrays.equals(v.hash(), hash)) {
            fail(tally, 2, failures, where + ": booted image does not match the slot");
        } else if (!s.acceptable().contains(label)) {
            fail(
                    tally,
                    2,
                    failures,
                    where + ": runs " + label + ", expected one of " + s.acceptable());
        } else if (!Arrays.equals(b.storedDigest(), hash)) {
            fail(
                    tally,
                    1,
                    failures,
                    where + ": the chip's stored digest is not the running image's");
        }
    }

    private static void fail(long[] tally, int kind, List<String> failures, String what) {
        tally[kind]++;
        if (failures.size() < 8) failures.add(what);
    }
}
