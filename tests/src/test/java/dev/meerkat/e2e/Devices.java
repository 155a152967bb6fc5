package dev.meerkat.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Emulated devices, each a {@code meerkat device run} process: its provisioned chip, its
 * certificate chain, mutual TLS to the broker, the release key in its bootloader's root of trust.
 */
final class Devices implements AutoCloseable {
    /** One provisioned chip as the factory journal describes it. */
    record Chip(String id, Path state, Path certificateChain, String certSerial) {}

    private final Cli cli;
    private final Path work;
    private final Map<String, Process> running = new ConcurrentHashMap<>();
    private final Map<String, String> lastState = new ConcurrentHashMap<>();

    Devices(Cli cli, Path work) {
        this.cli = cli;
        this.work = work;
    }

    /**
     * Starts a device from a new directory: factory firmware {@code factoryImage}, trusting {@code
     * releaseKey}, connected to {@code broker}.
     */
    void start(Chip chip, String generation, Broker broker, Path releaseKey, Path factoryImage)
            throws IOException {
        Path dir = work.resolve("devices").resolve(generation).resolve(chip.id());
        Files.createDirectories(dir.getParent());
        Process p =
                cli.start(
                        dir.resolveSibling(chip.id() + ".log"),
                        line -> {
                            if (line.startsWith("device " + chip.id() + " "))
                                lastState.put(chip.id(), line);
                        },
                        "device",
                        "run",
                        "--dir",
                        dir.toString(),
                        "--id",
                        chip.id(),
                        // a fresh port on every boot: a fixed one can be taken by another
                        // socket while the device reboots into its test boot
                        "--http-port",
                        "0",
                        "--chip",
                        chip.state().toString(),
                        "--cert",
                        chip.certificateChain().toString(),
                        "--broker",
                        broker.url(),
                        "--broker-ca",
                        broker.caCertificate().toString(),
                        "--mqtt-source",
                        "fleet/" + chip.id() + "=admin",
                        "--trust",
                        releaseKey.toString(),
                        "--factory-image",
                        factoryImage.toString());
        running.put(chip.id(), p);
    }

    /** Waits until every started device printed that it runs {@code version}. */
    void awaitUp(String version, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            List<String> missing = new ArrayList<>();
            for (String id : running.keySet()) {
                String s = lastState.getOrDefault(id, "");
                if (!s.contains(" running " + version)) missing.add(id + " (" + s + ")");
                if (!running.get(id).isAlive()) throw new AssertionError(id + " exited: " + s);
                if (s.contains(" did not come up")) throw new AssertionError(s);
            }
            if (missing.isEmpty()) return;
            if (Instant.now().isAfter(deadline))
                throw new AssertionError("devices not up with " + version + ": " + missing);
            Thread.sleep(250);
        }
    }

    void stop(String id) throws InterruptedException {
        Process p = running.remove(id);
        lastState.remove(id);
        if (p != null) {
            p.destroy();
            p.waitFor();
        }
    }

    @Override
    public void close() throws InterruptedException {
        List<Process> all = List.copyOf(running.values());
        running.clear();
        lastState.clear();
        all.forEach(Process::destroy);
        for (Process p : all) p.waitFor();
    }
}
