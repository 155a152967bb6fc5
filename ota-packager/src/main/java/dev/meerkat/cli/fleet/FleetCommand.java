package dev.meerkat.cli.fleet;

import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cli.io.Heartbeat;
import dev.meerkat.cli.remote.RemoteSigner;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.fleetsim.FleetSimulator;
import dev.meerkat.image.DigestSigner;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.SigningKey;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code meerkat fleet}: emulated fleets. */
@Command(
        name = "fleet",
        mixinStandardHelpOptions = true,
        description = "Run fleets of emulated devices.",
        subcommands = {FleetCommand.BuildCommand.class, FleetCommand.SimulateCommand.class})
public final class FleetCommand implements Runnable {

    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code fleet simulate}. */
    @Command(
            name = "simulate",
            mixinStandardHelpOptions = true,
            description = {
                "Boot N emulated devices on v1, roll an update out over MQTT and count the outcomes.",
                "Without --broker/--update an embedded MQTT broker and HTTP server are started and the",
                "update is built from the example applications. --json prints one JSON object,",
                "{\"rollouts\":[…]}, each with update, devices, committed, rolledBack, bricked, failed,",
                "seconds, rollbackReasons, failureReasons."
            })
    static final class SimulateCommand implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(
                names = "--devices",
                defaultValue = "10",
                description = "Number of devices (default ${DEFAULT-VALUE}).")
        int devices;

        @Option(
                names = "--broker",
                description = "MQTT server, tcp://host:port (default: embedded broker).")
        String broker;

        @Option(
                names = "--update",
                description = "URL of the update image (default: the example v2, served here).")
        String update;

        @Option(
                names = {"-k", "--key"},
                description =
                        "Signing key (PEM) the devices trust; the factory image is "
                                + "signed with it, and an --update image must be too.")
        Path key;

        @Option(
                names = "--broken",
                description = "Roll out the example v2-broken (its init throws).")
        boolean broken;

        @Option(
                names = "--fail-init",
                defaultValue = "0",
                paramLabel = "P",
                description = "Percent of devices whose new firmware fails init.")
        double failInit;

        @Option(
                names = "--power-cut",
                defaultValue = "0",
                paramLabel = "P",
                description = "Percent of devices losing power during the update.")
        double powerCut;

        @Option(
                names = "--net-drop",
                defaultValue = "0",
                paramLabel = "P",
                description = "Percent of devices whose download connection drops.")
        double netDrop;

        @Option(
                names = "--image-size",
                defaultValue = "65536",
                description = "Size of the built-in images in bytes (default ${DEFAULT-VALUE}).")
        int imageSize;

        @Option(names = "--seed", defaultValue = "1", description = "Seed of the fault choices.")
        long seed;

        @Option(
                names = "--timeout",
                defaultValue = "300",
                description = "Give up after this many seconds.")
        long timeout;

        @Option(
                names = "--factory",
                paramLabel = "FILE",
                description =
                        "Image every device has at the factory "
                                + "(default: the example v1 signed with --key).")
        Path factory;

        @Option(
                names = "--rollout",
                paramLabel = "FILE|URL|NAME",
                description = {
                    "An update to roll out; repeat for "
                            + "several, done in turn on the same fleet.",
                    "A file is served by the built-in HTTP server, a URL is "
                            + "used as is, v2 / v2-broken are built from the examples."
                })
        List<String> rollouts = new ArrayList<>();

        @Option(
                names = "--expect",
                paramLabel = "OUTCOME",
                description =
                        "committed or rolled_back: the outcome "
                                + "every device must reach in the rollout of the same position (exit 1 otherwise).")
        List<String> expect = new ArrayList<>();

        @Option(
                names = "--chips",
                description =
                        "Give every device its own emulated ATECC608 (keys generated in the chip).")
        boolean chips;

        @Option(
                names = "--json",
                description =
                        "Print one JSON object, {\"rollouts\":[counts…]}, on stdout; the"
                                + " running commentary goes to stderr.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            // With --json, stdout carries only the JSON document; the commentary moves to stderr.
            PrintWriter out = json ? err : spec.commandLine().getOut();
            if (devices <= 0) {
                err.println("meerkat fleet simulate: --devices must be positive");
                return ExitCode.USAGE;
            }
            boolean external =
                    update != null
                            || factory != null
                            || rollouts.stream().anyMatch(r -> !ExampleApps.NAMES.contains(r));
            if (external && key == null) {
                err.println(
                        "meerkat fleet simulate: --update, --factory and image files need --key (the key that signed them)");
                return ExitCode.USAGE;
            }
            for (String e : expect) {
                if (!e.equals("committed") && !e.equals("rolled_back")) {
                    err.println(
                            "meerkat fleet simulate: --expect must be committed or rolled_back, not "
                                    + e);
                    return ExitCode.USAGE;
                }
            }
            SigningKey k =
                    key == null
                            ? SigningKey.generate(KeyType.ED25519)
                            : SigningKey.fromPem(Files.readString(key), null);
            FleetSimulator.Options o =
                    new FleetSimulator.Options(
                                    devices,
                                    broker,
                                    update,
                                    k,
                                    broken,
                                    failInit,
                                    powerCut,
                                    netDrop,
                                    imageSize,
                                    seed,
                                    Duration.ofSeconds(timeout))
                            .withChips(chips);
            if (factory != null) {
                o = o.withFactoryImage(Files.readAllBytes(factory));
            }
            if (!rollouts.isEmpty()) {
                List<FleetSimulator.Update> updates = new ArrayList<>();
                for (String r : rollouts) {
                    if (r.startsWith("http://") || r.startsWith("https://")) {
                        updates.add(FleetSimulator.Update.at(r));
                    } else if (Files.isRegularFile(Path.of(r))) {
                        String name =
                                Path.of(r).getFileName().toString().replaceFirst("\\.bin$", "");
                        updates.add(
                                FleetSimulator.Update.served(name, Files.readAllBytes(Path.of(r))));
                    } else if (ExampleApps.NAMES.contains(r)) {
                        updates.add(
                                FleetSimulator.Update.served(
                                        r, ExampleApps.image(r, k, null, imageSize)));
                    } else {
                        err.println(
                                "meerkat fleet simulate: --rollout "
                                        + r
                                        + ": no such file, URL or example "
                                        + ExampleApps.NAMES);
                        return ExitCode.USAGE;
                    }
                }
                o = o.withUpdates(updates);
            }
            // Before the broker's first log line: one line per broker error, no stack traces (see
            // the file).
            if (System.getProperty("log4j.configuration") == null) {
                System.setProperty(
                        "log4j.configuration", "dev/meerkat/cli/fleet/broker-log4j.properties");
            }
            FleetSimulator sim =
                    new FleetSimulator(
                            o,
                            line -> {
                                synchronized (err) {
                                    out.println(line);
                                    out.flush();
                                }
                            });
            List<FleetSimulator.Result> results;
            try (Heartbeat progress =
                    Heartbeat.start(err, "meerkat fleet simulate", sim::progress)) {
                results = sim.runAll();
            }
            boolean ok = true;
            for (int i = 0; i < results.size(); i++) {
                FleetSimulator.Result r = results.get(i);
                out.printf(
                        "%s: committed %d, rolled back %d, bricked %d, failed %d of %d devices in %.2f s%n",
                        r.update(),
                        r.committed(),
                        r.rolledBack(),
                        r.bricked(),
                        r.failed(),
                        r.devices(),
                        r.seconds());
                if (!r.reasons().isEmpty()) {
                    out.println("  rollback reasons: " + r.reasons());
                }
                if (!r.failures().isEmpty()) {
                    out.println("  failure reasons: " + r.failures());
                }
                out.println("  now running: " + r.versions());
                if (r.bytesServed() >= 0) {
                    out.println("  image bytes served: " + r.bytesServed());
                }
                if (r.brokerBytes() >= 0) {
                    out.println("  broker bytes (received + sent): " + r.brokerBytes());
                }
                ok &= r.bricked() == 0 && r.failed() == 0;
                if (i < expect.size()) {
                    int reached =
                            expect.get(i).equals("committed") ? r.committed() : r.rolledBack();
                    boolean met = reached == r.devices();
                    out.println(
                            "  expected every device "
                                    + expect.get(i)
                                    + ": "
                                    + (met
                                            ? "yes"
                                            : "NO (" + reached + " of " + r.devices() + ")"));
                    ok &= met;
                }
            }
            out.println("heap per device: " + results.get(0).memoryPerDevice() / 1024 + " KiB");
            if (json) {
                java.util.List<Object> docs = new ArrayList<>();
                for (FleetSimulator.Result r : results) docs.add(r.toJson());
                dev.meerkat.cli.io.JsonOutput.print(
                        spec.commandLine().getOut(),
                        dev.meerkat.cli.io.JsonOutput.object("rollouts", docs));
            }
            out.flush();
            return ok ? ExitCode.OK : ExitCode.INVALID;
        }
    }

    /** {@code fleet build}. */
    @Command(
            name = "build",
            mixinStandardHelpOptions = true,
            description = {
                "Build and sign the example firmware images for the emulated device: v1.bin (1.0.0),",
                "v2.bin (2.0.0, security counter 2) and v2-broken.bin (2.0.1, its init throws)."
            })
    static final class BuildCommand implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(
                names = {"-k", "--key"},
                description = "Signing key (PEM); or --remote with --key-id.")
        Path key;

        @Option(
                names = "--remote",
                paramLabel = "URL",
                description =
                        "Sign with a key held by this signing service (with --key-id); only the digests are "
                                + "sent, and a production key waits for its approvals.")
        String remote;

        @Option(
                names = "--key-id",
                description = "Id of the signing service's key (with --remote).")
        String keyId;

        @Option(
                names = {"-o", "--out"},
                required = true,
                paramLabel = "DIR",
                description = "Output directory.")
        Path dir;

        @Option(
                names = "--image-size",
                defaultValue = "0",
                description =
                        "Pad the bundles to about this many bytes "
                                + "(default: as small as they are).")
        int imageSize;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if ((remote == null) != (keyId == null)) {
                throw CliException.usage("--remote and --key-id go together");
            }
            if ((key == null) == (remote == null)) {
                throw CliException.usage("give either -k KEY or --remote URL --key-id ID");
            }
            SigningKey k = key == null ? null : SigningKey.fromPem(Files.readString(key), null);
            RemoteSigner service =
                    remote == null
                            ? null
                            : RemoteSigner.connect(remote, keyId, spec.commandLine().getErr());
            Files.createDirectories(dir);
            for (String name : ExampleApps.NAMES) {
                DigestSigner signer =
                        k != null
                                ? k
                                : service.describing(
                                        name + ".bin",
                                        ExampleApps.version(name),
                                        ExampleApps.bundle(name, imageSize).toJar().length);
                byte[] image = ExampleApps.image(name, signer, null, imageSize);
                Path f = dir.resolve(name + ".bin");
                Files.write(f, image);
                out.printf(
                        "%-14s version %-6s security counter %d, %,d bytes%s%n",
                        f.getFileName(),
                        ExampleApps.version(name),
                        ExampleApps.securityCounter(name),
                        image.length,
                        name.equals("v2-broken") ? " (its init throws)" : "");
            }
            out.flush();
            return ExitCode.OK;
        }
    }
}
