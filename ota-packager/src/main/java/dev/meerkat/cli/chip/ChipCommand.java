package dev.meerkat.cli.chip;

import dev.meerkat.chip.ConfigZone;
import dev.meerkat.chip.CryptoChip;
import dev.meerkat.chip.DeviceType;
import dev.meerkat.chip.Hex;
import dev.meerkat.chip.Transport;
import dev.meerkat.chip.emulator.EmulatedChip;
import dev.meerkat.chip.emulator.EmulatorTransport;
import dev.meerkat.chip.emulator.StateFile;
import dev.meerkat.chip.emulator.TimingModel;
import dev.meerkat.chip.kit.KitClientTransport;
import dev.meerkat.chip.kit.KitProtocolServer;
import dev.meerkat.cli.io.CliException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code meerkat chip}: secure element tools (emulator kit server, inspection, keys). */
@Command(
        name = "chip",
        mixinStandardHelpOptions = true,
        description =
                "ATECC508A/608 secure elements: serve an emulated chip over the kit protocol, inspect chips, read keys.",
        subcommands = {
            ChipCommand.Serve.class,
            ChipCommand.Info.class,
            ChipCommand.PublicKey.class
        })
public final class ChipCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the chip is: {@code emulator:FILE} or {@code kit:tcp:HOST:PORT}. */
    static final class ChipOptions {
        @Option(
                names = "--chip",
                required = true,
                paramLabel = "emulator:FILE|kit:tcp:HOST:PORT",
                description = "The chip: an emulator state file, or a kit-protocol server.")
        String chip;

        @Option(
                names = "--device",
                defaultValue = "ATECC608",
                description = "ATECC608 or ATECC508A (default: ${DEFAULT-VALUE}).")
        DeviceType device;

        CryptoChip open() {
            try {
                Transport t;
                if (chip.startsWith("emulator:")) {
                    EmulatedChip emu =
                            StateFile.openOrCreate(
                                    Path.of(chip.substring("emulator:".length())), device);
                    t = new EmulatorTransport(emu);
                    return new CryptoChip(t, emu.type(), 3, CryptoChip.Wait.POLL, Thread::sleep);
                }
                if (chip.startsWith("kit:tcp:")) {
                    HostPort hp = HostPort.parse(chip.substring("kit:tcp:".length()));
                    t = KitClientTransport.connect(hp.host(), hp.port(), device);
                    return new CryptoChip(t, device);
                }
            } catch (IOException e) {
                throw new CliException(3, "cannot open chip " + chip + ": " + e.getMessage(), e);
            }
            throw CliException.usage(
                    "--chip must be emulator:FILE or kit:tcp:HOST:PORT, not " + chip);
        }
    }

    record HostPort(String host, int port) {
        static HostPort parse(String s) {
            int colon = s.lastIndexOf(':');
            if (colon <= 0) throw CliException.usage("expected HOST:PORT, got " + s);
            try {
                return new HostPort(
                        s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw CliException.usage("bad port in " + s);
            }
        }
    }

    @Command(
            name = "serve",
            mixinStandardHelpOptions = true,
            description =
                    "Serve an emulated chip (state kept in FILE) over the kit protocol on TCP, for cryptoauthlib's kit HAL.")
    static final class Serve implements Runnable {
        @Spec CommandSpec spec;

        @Option(
                names = "--kit",
                required = true,
                paramLabel = "tcp:HOST:PORT",
                description = "Listen address, e.g. tcp:127.0.0.1:5000 (port 0 picks one).")
        String kit;

        @Option(
                names = "--state",
                required = true,
                paramLabel = "FILE",
                description = "Emulator state file (created factory-fresh if missing).")
        Path state;

        @Option(
                names = "--device",
                defaultValue = "ATECC608",
                description = "Model of a newly created chip (default: ${DEFAULT-VALUE}).")
        DeviceType device;

        @Option(
                names = "--timing",
                defaultValue = "ZERO",
                description =
                        "Execution time model: ZERO or DATASHEET (default: ${DEFAULT-VALUE}).")
        TimingModel timing;

        @Option(names = "--verbose", description = "Log every kit line.")
        boolean verbose;

        @Override
        public void run() {
            if (!kit.startsWith("tcp:")) throw CliException.usage("--kit must be tcp:HOST:PORT");
            HostPort hp = HostPort.parse(kit.substring(4));
            PrintWriter out = spec.commandLine().getOut();
            try {
                EmulatedChip emu = StateFile.openOrCreate(state, device);
                emu.timing(timing);
                KitProtocolServer server =
                        new KitProtocolServer(
                                emu,
                                InetAddress.getByName(hp.host()),
                                hp.port(),
                                verbose
                                        ? line -> {
                                            out.println(line);
                                            out.flush();
                                        }
                                        : null);
                out.printf(
                        "%s %s serving the kit protocol on tcp:%s:%d (state %s)%n",
                        emu.type(),
                        Hex.format(emu.serialNumber()),
                        hp.host(),
                        server.port(),
                        state);
                out.flush();
                CountDownLatch forever = new CountDownLatch(1);
                Runtime.getRuntime()
                        .addShutdownHook(
                                new Thread(
                                        () -> {
                                            try {
                                                server.close();
                                            } catch (IOException ignored) {
                                                // exiting
                                            }
                                        }));
                forever.await();
            } catch (IOException e) {
                throw new CliException(3, "cannot serve: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Command(
            name = "info",
            mixinStandardHelpOptions = true,
            description = "Revision, serial number, lock state and slot configuration of a chip.")
    static final class Info implements Runnable {
        @Spec CommandSpec spec;

        @Mixin ChipOptions chipOptions;

        @Option(
                names = "--json",
                description =
                        "Print one JSON object (revision, serial, locks, slots) instead of text.")
        boolean json;

        @Override
        public void run() {
            try (CryptoChip chip = chipOptions.open()) {
                PrintWriter out = spec.commandLine().getOut();
                ConfigZone c = chip.config();
                if (json) {
                    java.util.List<Object> slots = new java.util.ArrayList<>();
                    for (int slot = 0; slot < 16; slot++) {
                        slots.add(
                                dev.meerkat.cli.io.JsonOutput.object(
                                        "slot",
                                        slot,
                                        "slotConfig",
                                        c.slotConfig(slot).value(),
                                        "keyConfig",
                                        c.keyConfig(slot).value(),
                                        "locked",
                                        c.slotLocked(slot)));
                    }
                    dev.meerkat.cli.io.JsonOutput.print(
                            out,
                            dev.meerkat.cli.io.JsonOutput.object(
                                    "revision",
                                    Hex.format(chip.info()),
                                    "serial",
                                    Hex.format(c.serialNumber()),
                                    "i2cAddress",
                                    c.i2cAddress(),
                                    "configLocked",
                                    c.configLocked(),
                                    "dataLocked",
                                    c.dataLocked(),
                                    "slots",
                                    slots));
                    return;
                }
                out.printf("revision:    %s%n", Hex.format(chip.info()));
                out.printf("serial:      %s%n", Hex.format(c.serialNumber()));
                out.printf("i2c address: 0x%02X%n", c.i2cAddress());
                out.printf("config zone: %s%n", c.configLocked() ? "locked" : "unlocked");
                out.printf("data zone:   %s%n", c.dataLocked() ? "locked" : "unlocked");
                out.println("slot  SlotConfig  KeyConfig  locked");
                for (int slot = 0; slot < 16; slot++) {
                    out.printf(
                            "%4d  0x%04X      0x%04X     %s%n",
                            slot,
                            c.slotConfig(slot).value(),
                            c.keyConfig(slot).value(),
                            c.slotLocked(slot) ? "yes" : "no");
                }
                out.flush();
            }
        }
    }

    @Command(
            name = "pubkey",
            mixinStandardHelpOptions = true,
            description = "Print the public key (X||Y hex) of the private key in a slot.")
    static final class PublicKey implements Runnable {
        @Spec CommandSpec spec;

        @Mixin ChipOptions chipOptions;

        @Option(
                names = "--slot",
                defaultValue = "0",
                description = "Key slot (default: ${DEFAULT-VALUE}).")
        int slot;

        @Override
        public void run() {
            try (CryptoChip chip = chipOptions.open()) {
                spec.commandLine().getOut().println(Hex.format(chip.publicKey(slot)));
                spec.commandLine().getOut().flush();
            }
        }
    }
}
