package dev.meerkat.cli.boot;

import dev.meerkat.boot.BootListener;
import dev.meerkat.boot.BootRecord;
import dev.meerkat.boot.BootResult;
import dev.meerkat.boot.BootStateMachine;
import dev.meerkat.boot.BootStatus;
import dev.meerkat.boot.sim.BootTimeBenchmark;
import dev.meerkat.boot.sim.PowerCutCampaign;
import dev.meerkat.boot.sim.Scenario;
import dev.meerkat.boot.sim.Scenarios;
import dev.meerkat.boot.sim.SimDevice;
import dev.meerkat.boot.sim.SimImages;
import dev.meerkat.boot.sim.SimProfile;
import dev.meerkat.boot.sim.WearBenchmark;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cli.io.Heartbeat;
import dev.meerkat.cli.io.JsonOutput;
import dev.meerkat.firmware.secureboot.SecureBootPowerCut;
import dev.meerkat.hal.ResetCause;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code meerkat bootsim}: runs the bootloader on emulated boards. */
@Command(
        name = "bootsim",
        mixinStandardHelpOptions = true,
        description =
                "Run the Meerkat bootloader on emulated flash: scenarios, power-cut campaign, benchmarks.",
        subcommands = {
            BootsimCommand.PowercutCommand.class,
            BootsimCommand.RunCommand.class,
            BootsimCommand.ListCommand.class,
            BootsimCommand.WearCommand.class,
            BootsimCommand.BootTimeCommand.class
        })
public final class BootsimCommand implements Runnable {

    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static List<Scenario> scenarios(String name) {
        return "all".equals(name) ? Scenarios.all() : List.of(Scenarios.named(name));
    }

    static List<SimProfile> profiles(String name) {
        return "all".equals(name) ? SimProfile.all() : List.of(SimProfile.named(name));
    }

    /** {@code bootsim powercut}. */
    @Command(
            name = "powercut",
            mixinStandardHelpOptions = true,
            description = {
                "Cut power at every flash operation of a scenario (and again during recovery), then check the board.",
                "After every cut it must run a valid, signed, not downgraded image: the one the state machine",
                "dictates. Exit 0 only when nothing was bricked, downgraded or wrong."
            })
    static final class PowercutCommand implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(
                names = "--scenario",
                defaultValue = "all",
                description = "Scenario name or 'all'. Default: ${DEFAULT-VALUE}.")
        String scenario;

        @Option(
                names = "--profile",
                defaultValue = "all",
                description = {
                    "Board profile (uniform-4k, mixed-ecc, stm32f4) or 'all'; 'secure-boot' runs the board whose",
                    "bootloader asks an ATECC608's SecureBoot to approve each image. Default: ${DEFAULT-VALUE}."
                })
        String profile;

        @Option(names = "--no-second-cut", description = "Do not cut the recoveries.")
        boolean noSecondCut;

        @Option(
                names = "--seed",
                defaultValue = "7",
                description = "Seed of torn-operation content. Default: ${DEFAULT-VALUE}.")
        long seed;

        @Option(
                names = "--json",
                description =
                        "Print the summary as one JSON object; the per-scenario lines go to stderr.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            // With --json, stdout carries the one object; the running commentary goes to stderr.
            PrintWriter lines = json ? spec.commandLine().getErr() : out;
            if ("secure-boot".equals(profile)) {
                return secureBoot(out, lines);
            }
            List<Scenario> s = scenarios(scenario);
            List<SimProfile> p = profiles(profile);
            PowerCutCampaign campaign =
                    new PowerCutCampaign(
                            !noSecondCut,
                            seed,
                            line -> {
                                lines.println(line);
                                lines.flush();
                            });
            PowerCutCampaign.Result r = campaign.run(s, p);
            if (json) {
                out.println(r.toJson());
                out.flush();
            } else {
                out.printf(
                        "%d scenario runs, %d cut points: bricked %d, downgraded %d, wrong image %d -> %s%n",
                        r.scenarios().size(),
                        r.cutPoints(),
                        r.bricked(),
                        r.downgraded(),
                        r.wrongImage(),
                        r.passed() ? "PASS" : "FAIL");
            }
            out.flush();
            return r.passed() ? ExitCode.OK : ExitCode.INVALID;
        }

        /**
         * The secure-boot board's own scenarios (first-boot, update, foreign-update): every flash
         * operation and every chip command cut once.
         */
        private int secureBoot(PrintWriter out, PrintWriter lines) throws Exception {
            List<SecureBootPowerCut.Result> results =
                    new SecureBootPowerCut(seed)
                            .run(
                                    scenario,
                                    line -> {
                                        lines.println(line);
                                        lines.flush();
                                    });
            long cuts = results.stream().mapToLong(SecureBootPowerCut.Result::cuts).sum();
            long bricked = results.stream().mapToLong(SecureBootPowerCut.Result::bricked).sum();
            long unapproved =
                    results.stream().mapToLong(SecureBootPowerCut.Result::unapproved).sum();
            long wrong = results.stream().mapToLong(SecureBootPowerCut.Result::wrongImage).sum();
            boolean passed = results.stream().allMatch(SecureBootPowerCut.Result::passed);
            if (json) {
                JsonOutput.print(
                        out,
                        JsonOutput.object(
                                "scenarios", results.size(),
                                "cutPoints", cuts,
                                "bricked", bricked,
                                "unapproved", unapproved,
                                "wrongImage", wrong,
                                "passed", passed));
            } else {
                out.printf(
                        "%d secure-boot scenarios, %d cut points: bricked %d, unapproved %d, wrong image %d -> %s%n",
                        results.size(), cuts, bricked, unapproved, wrong, passed ? "PASS" : "FAIL");
            }
            out.flush();
            return passed ? ExitCode.OK : ExitCode.INVALID;
        }
    }

    /** {@code bootsim run}. */
    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description = "Run one scenario without power cuts and print what the bootloader did.")
    static final class RunCommand implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(
                names = "--scenario",
                required = true,
                description = "Scenario name (see 'bootsim list').")
        String scenario;

        @Option(
                names = "--profile",
                defaultValue = "uniform-4k",
                description = "Board profile. Default: ${DEFAULT-VALUE}.")
        String profile;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Scenario sc = Scenarios.named(scenario);
            SimProfile p = SimProfile.named(profile);
            SimImages images = new SimImages(p.payloadSize());
            SimDevice[] holder = new SimDevice[1];
            boolean[] logging = new boolean[1];
            BootListener listener =
                    new BootListener() {
                        @Override
                        public void log(String message) {
                            if (logging[0]) {
                                out.printf(
                                        "  [%6d ms] %s%n",
                                        holder[0].device().clock().millis(), message);
                            }
                        }

                        @Override
                        public void beforeRecordWrite(long address, BootRecord record) {
                            if (logging[0]) {
                                out.printf(
                                        "  [%6d ms] record @0x%05x %s%n",
                                        holder[0].device().clock().millis(), address, record);
                            }
                        }
                    };
            SimDevice d = SimDevice.create(p, images, 1, listener);
            holder[0] = d;
            out.println("scenario " + sc.name() + " on " + p.name() + ": " + sc.description());
            sc.setup(d);
            out.println("start: " + describe(d.control().bootState()));
            logging[0] = true;
            long ops = d.device().power().operationCount();
            sc.run(d);
            out.println(
                    "after: "
                            + describe(d.control().bootState())
                            + " ("
                            + (d.device().power().operationCount() - ops)
                            + " flash/OTP operations)");
            out.println("reboot:");
            d.reboot(ResetCause.SOFTWARE);
            SimDevice.Cycle c = d.cycle();
            logging[0] = false;
            if (c.boot() instanceof BootResult.Jump j) {
                out.printf(
                        "runs %s in slot %s (%s boot), security counter %d%n",
                        j.image().version(), j.slot(), j.mode(), d.device().counters().read(0));
            } else {
                out.println(((BootResult.Recovery) c.boot()).report());
            }
            out.println("final: " + describe(d.control().bootState()));
            out.flush();
            return c.boot() instanceof BootResult.Jump ? ExitCode.OK : ExitCode.INVALID;
        }

        private static String describe(BootStatus s) {
            return s.phase()
                    + " active="
                    + s.active()
                    + " revert="
                    + s.revert().map(Enum::name).orElse("-")
                    + " attempts="
                    + s.attempts()
                    + " last-rollback="
                    + s.lastRollback()
                    + s.rollbackSlot().map(x -> "@" + x).orElse("")
                    + " rejected="
                    + s.rejected()
                    + " seq="
                    + s.sequence();
        }
    }

    /** {@code bootsim list}. */
    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List scenarios, board profiles and the state-machine table.")
    static final class ListCommand implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            out.println("scenarios:");
            for (Scenario s : Scenarios.all()) {
                out.printf("  %-22s %s%n", s.name(), s.description());
            }
            out.println("profiles:");
            for (SimProfile p : SimProfile.all()) {
                out.printf(
                        "  %-10s %s, slots %d KiB, updater chunk %d B%n",
                        p.name(), p.geometry().describe(), p.slotSize() / 1024, p.chunkSize());
            }
            out.println("state machine:");
            for (BootStateMachine.Transition t : BootStateMachine.TABLE) {
                out.printf("  %-9s --%-17s--> %-9s %s%n", t.from(), t.event(), t.to(), t.effect());
            }
            out.flush();
            return ExitCode.OK;
        }
    }

    /** {@code bootsim wear}. */
    @Command(
            name = "wear",
            mixinStandardHelpOptions = true,
            description =
                    "Erases per sector per update and boot-state endurance at 10,000 erase cycles.")
    static final class WearCommand implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(
                names = "--updates",
                defaultValue = "500",
                description = "Update cycles per profile. Default: ${DEFAULT-VALUE}.")
        int updates;

        @Override
        public Integer call() throws Exception {
            // The report comes at the end; meanwhile a line on stderr every 2 s.
            try (Heartbeat alive =
                    Heartbeat.start(
                            spec.commandLine().getErr(),
                            "meerkat bootsim wear",
                            () -> updates + " update cycles per profile")) {
                return print(spec, out -> WearBenchmark.report(out, updates));
            }
        }
    }

    /** {@code bootsim boottime}. */
    @Command(
            name = "boottime",
            mixinStandardHelpOptions = true,
            description =
                    "Bytes read and time to validate 1 MiB and 16 MiB slots; SHA-256 speed vs openssl.")
    static final class BootTimeCommand implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(
                names = "--slot-size",
                converter = SlotSize.class,
                paramLabel = "SIZE",
                description =
                        "Slot to measure, in bytes or with a KiB/MiB suffix, a multiple of 64 KiB;"
                                + " repeat for several. Default: 1MiB and 16MiB.")
        List<Long> slotSizes = new ArrayList<>();

        @Option(
                names = "--boots",
                defaultValue = "7",
                paramLabel = "N",
                description = "Boots per slot size. Default: ${DEFAULT-VALUE}.")
        int boots;

        @Option(
                names = "--json",
                description =
                        "Print one JSON object, {\"boots\":N,\"slots\":[figures…]}, instead of the text report.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (boots < 1) throw CliException.usage("--boots must be at least 1");
            List<Long> sizes = slotSizes.isEmpty() ? List.of(1L << 20, 16L << 20) : slotSizes;
            PrintWriter out = spec.commandLine().getOut();
            List<Map<String, Object>> slots = new ArrayList<>();
            AtomicInteger measured = new AtomicInteger();
            // The report comes at the end; meanwhile a line on stderr every 2 s.
            try (Heartbeat alive =
                    Heartbeat.start(
                            spec.commandLine().getErr(),
                            "meerkat bootsim boottime",
                            () ->
                                    json
                                            ? "measuring slot "
                                                    + Math.min(measured.get() + 1, sizes.size())
                                                    + " of "
                                                    + sizes.size()
                                            : "measuring " + sizes.size() + " slot sizes")) {
                if (!json) return print(spec, o -> BootTimeBenchmark.report(o, sizes, boots));
                for (long size : sizes) {
                    slots.add(figures(BootTimeBenchmark.run(size, boots)));
                    measured.incrementAndGet();
                }
            }
            JsonOutput.print(out, JsonOutput.object("boots", boots, "slots", slots));
            return ExitCode.OK;
        }

        /** One slot's figures; openssl's are null where openssl is not installed. */
        static Map<String, Object> figures(BootTimeBenchmark.Result r) {
            return JsonOutput.object(
                    "slotBytes", r.slotSize(),
                    "imageBytes", r.imageSize(),
                    "bytesRead", r.bytesRead(),
                    "bootMsMin", r.bootMillisMin(),
                    "bootMsMedian", r.bootMillisMedian(),
                    "sha256JvmMBPerSecond", r.javaMBps(),
                    "sha256OpensslMBPerSecond", finite(r.opensslMBps()),
                    "sha256OpensslWithStartupMBPerSecond", finite(r.opensslRawMBps()),
                    "ratioVsOpenssl", finite(r.ratio()));
        }

        private static Double finite(double v) {
            return Double.isFinite(v) ? v : null;
        }
    }

    /** Slot sizes: bytes, or a number with a KiB/MiB suffix; a multiple of the 64 KiB sector. */
    static final class SlotSize implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.trim();
            long unit = 1;
            if (v.endsWith("MiB")) {
                unit = 1L << 20;
                v = v.substring(0, v.length() - 3);
            } else if (v.endsWith("KiB")) {
                unit = 1L << 10;
                v = v.substring(0, v.length() - 3);
            }
            long size;
            try {
                size = Long.parseLong(v) * unit;
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not a size (bytes, KiB or MiB)");
            }
            if (size <= 0 || size % 65536 != 0 || size > (256L << 20)) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "': a slot is a multiple of 64 KiB, at most 256 MiB");
            }
            return size;
        }
    }

    @FunctionalInterface
    interface Report {
        void to(PrintStream out) throws Exception;
    }

    static int print(CommandSpec spec, Report report) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            report.to(ps);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(buf.toString(StandardCharsets.UTF_8));
        out.flush();
        return ExitCode.OK;
    }
}
