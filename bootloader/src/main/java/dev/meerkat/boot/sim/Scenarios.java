package dev.meerkat.boot.sim;

import dev.meerkat.boot.BootResult;
import dev.meerkat.boot.BootStatus;
import dev.meerkat.boot.Slot;
import dev.meerkat.hal.ResetCause;
import java.util.List;
import java.util.Optional;

/** The power-cut scenarios of the bootloader campaign. */
public final class Scenarios {

    /** Updates performed before the rotation scenario (the boot-state log wraps several times). */
    public static final int ROTATION_UPDATES = 300;

    private Scenarios() {}

    /** Every scenario, in campaign order. */
    public static List<Scenario> all() {
        int[] series = new int[1];
        return List.of(
                of(
                        "factory-first-boot",
                        "first boot of a factory-programmed board (no boot state yet)",
                        d -> d.factoryFlash(Slot.A, d.images().standard("v1").bytes()),
                        d -> d.cycle()),
                of(
                        "install-update",
                        "running v1 writes v2 to slot B and marks it pending",
                        Scenarios::committedV1,
                        d -> d.install(Slot.B, d.images().standard("v2"))),
                of(
                        "first-boot",
                        "reboot into the pending update: test boot, firmware commits",
                        d -> pending(d, "v2"),
                        d -> {
                            d.reboot(ResetCause.SOFTWARE);
                            d.cycle();
                        }),
                of(
                        "commit",
                        "the image under test commits (record, then security counter)",
                        d -> {
                            pending(d, "v2");
                            d.reboot(ResetCause.SOFTWARE);
                            expectJump(d.boot());
                        },
                        d -> d.control().commit()),
                of(
                        "rollback-failed-init",
                        "test boot whose init fails; the next boot reverts",
                        d -> pending(d, "v3-fail-init"),
                        d -> {
                            d.reboot(ResetCause.SOFTWARE);
                            d.cycle();
                            d.cycle();
                        }),
                of(
                        "rollback-watchdog",
                        "test boot that hangs; the watchdog resets; the next boot reverts",
                        d -> pending(d, "v3-hang"),
                        d -> {
                            d.reboot(ResetCause.SOFTWARE);
                            d.cycle();
                            d.cycle();
                        }),
                of(
                        "app-revert",
                        "test image asks for a revert and reboots",
                        d -> pending(d, "v3-revert"),
                        d -> {
                            d.reboot(ResetCause.SOFTWARE);
                            d.cycle();
                            d.cycle();
                        }),
                of(
                        "auto-commit",
                        "test image commits when its own commit timeout expires",
                        d -> pending(d, "v2-auto"),
                        d -> {
                            d.reboot(ResetCause.SOFTWARE);
                            d.cycle();
                        }),
                of(
                        "update-while-pending",
                        "a second update replaces one that is still pending",
                        d -> pending(d, "v2"),
                        d -> d.install(Slot.B, d.images().standard("v3"))),
                of(
                        "boot-state-rotation",
                        "a full update cycle that moves the boot-state log to its next sector, after "
                                + ROTATION_UPDATES
                                + "+ updates",
                        d -> series[0] = manyUpdates(d),
                        d -> update(d, d.images().series(series[0]))));
    }

    /** The scenario called {@code name}. */
    public static Scenario named(String name) {
        return all().stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "unknown scenario "
                                                + name
                                                + "; known: "
                                                + all().stream().map(Scenario::name).toList()));
    }

    /** Board with v1 in slot A, booted once and committed. */
    static void committedV1(SimDevice d) {
        d.factoryFlash(Slot.A, d.images().standard("v1").bytes());
        expectJump(d.cycle().boot());
        d.reboot(ResetCause.SOFTWARE);
    }

    /** Board running committed v1 with {@code label} installed in slot B, not yet booted. */
    static void pending(SimDevice d, String label) throws Exception {
        committedV1(d);
        expectJump(d.cycle().boot());
        d.install(Slot.B, d.images().standard(label));
    }

    /** One complete update: install into the free slot, reboot, test boot and commit. */
    static void update(SimDevice d, SimImages.Image image) throws Exception {
        BootStatus s = d.control().bootState();
        d.install(s.running().other(), image);
        d.reboot(ResetCause.SOFTWARE);
        d.cycle();
    }

    /**
     * Hundreds of updates, stopping where the next update's records cross into the next boot-state
     * sector.
     *
     * @return the number of the next image of the series
     */
    static int manyUpdates(SimDevice d) throws Exception {
        committedV1(d);
        expectJump(d.cycle().boot());
        int n = 0;
        while (true) {
            int free = d.control().freeRecordSlots();
            if (n >= ROTATION_UPDATES && free >= 1 && free <= 3) {
                break;
            }
            update(d, d.images().series(n++));
            d.reboot(ResetCause.SOFTWARE);
            expectJump(d.cycle().boot());
        }
        return n;
    }

    private static BootResult.Jump expectJump(BootResult r) {
        if (r instanceof BootResult.Jump j) {
            return j;
        }
        throw new IllegalStateException(
                "setup did not boot: " + ((BootResult.Recovery) r).report());
    }

    /** A step of a scenario. */
    @FunctionalInterface
    interface Step {
        void run(SimDevice d) throws Exception;
    }

    static Scenario of(String name, String description, Step setup, Step run) {
        return new Scenario() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public void setup(SimDevice device) throws Exception {
                setup.run(device);
            }

            @Override
            public void run(SimDevice device) throws Exception {
                run.run(device);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    static Optional<Scenario> find(String name) {
        return all().stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
