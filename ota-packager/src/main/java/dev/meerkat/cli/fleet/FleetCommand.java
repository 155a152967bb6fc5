package dev.meerkat.cli.fleet;

import dev.meerkat.cli.ExitCode;
import dev.meerkat.firmware.fleet.FleetSimulator;
import dev.meerkat.image.SigningKey;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code meerkat fleet}: emulated fleets. */
@Command(name = "fleet", mixinStandardHelpOptions = true, description = "Run fleets of emulated devices.",
        subcommands = FleetCommand.SimulateCommand.class)
public final class FleetCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code fleet simulate}. */
    @Command(name = "simulate", mixinStandardHelpOptions = true,
            description = {"Boot N emulated devices on v1, roll an update out over MQTT and count the outcomes.",
                    "Without --broker/--update an embedded MQTT broker and HTTP server are started and the",
                    "update is built from the example applications. The last line of --json output is one JSON",
                    "object: devices, committed, rolled_back, bricked, failed, seconds."})
    static final class SimulateCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--devices", defaultValue = "10", description = "Number of devices (default ${DEFAULT-VALUE}).")
        int devices;

        @Option(names = "--broker", description = "MQTT server, tcp://host:port (default: embedded broker).")
        String broker;

        @Option(names = "--update", description = "URL of the update image (default: the example v2, served here).")
        String update;

        @Option(names = {"-k", "--key"}, description = "Signing key (PEM) the devices trust; the factory image is "
                + "signed with it, and an --update image must be too.")
        Path key;

        @Option(names = "--broken", description = "Roll out the example v2-broken (its init throws).")
        boolean broken;

        @Option(names = "--fail-init", defaultValue = "0", paramLabel = "P", description = "Percent of devices whose new firmware fails init.")
        double failInit;

        @Option(names = "--power-cut", defaultValue = "0", paramLabel = "P", description = "Percent of devices losing power during the update.")
        double powerCut;

        @Option(names = "--net-drop", defaultValue = "0", paramLabel = "P", description = "Percent of devices whose download connection drops.")
        double netDrop;

        @Option(names = "--image-size", defaultValue = "65536", description = "Size of the built-in images in bytes (default ${DEFAULT-VALUE}).")
        int imageSize;

        @Option(names = "--seed", defaultValue = "1", description = "Seed of the fault choices.")
        long seed;

        @Option(names = "--timeout", defaultValue = "300", description = "Give up after this many seconds.")
        long timeout;

        @Option(names = "--json", description = "End with one JSON line of counts.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (devices <= 0) {
                spec.commandLine().getErr().println("meerkat fleet simulate: --devices must be positive");
                return ExitCode.USAGE;
            }
            if (update != null && key == null) {
                spec.commandLine().getErr().println("meerkat fleet simulate: --update needs --key (the key that signed it)");
                return ExitCode.USAGE;
            }
            SigningKey k = key == null ? null : SigningKey.fromPem(Files.readString(key), null);
            FleetSimulator.Result r = new FleetSimulator(new FleetSimulator.Options(devices, broker, update, k, broken,
                    failInit, powerCut, netDrop, imageSize, seed, Duration.ofSeconds(timeout)), line -> {
                        out.println(line);
                        out.flush();
                    }).run();
            out.printf("committed %d, rolled back %d, bricked %d, failed %d of %d devices in %.2f s%n", r.committed(),
                    r.rolledBack(), r.bricked(), r.failed(), r.devices(), r.seconds());
            if (!r.reasons().isEmpty()) {
                out.println("rollback reasons: " + r.reasons());
            }
            if (r.bytesServed() >= 0) {
                out.println("image bytes served: " + r.bytesServed());
            }
            if (json) {
                out.println(r.toJson());
            }
            out.flush();
            return r.bricked() == 0 && r.failed() == 0 ? ExitCode.OK : ExitCode.INVALID;
        }
    }
}
