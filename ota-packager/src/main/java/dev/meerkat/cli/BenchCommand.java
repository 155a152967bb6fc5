package dev.meerkat.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cli.io.Heartbeat;
import dev.meerkat.cli.io.JsonOutput;
import dev.meerkat.image.DecryptionKey;
import dev.meerkat.image.ImageSigner;
import dev.meerkat.image.ImageSource;
import dev.meerkat.image.ImageVerifier;
import dev.meerkat.image.ImageVersion;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.SigningKey;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description =
                "Measure signing/verification throughput against 'openssl dgst -sha256' and 'sha256sum' on the same file.")
final class BenchCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(
            names = "--size",
            defaultValue = "256",
            paramLabel = "MiB",
            description = "Image payload size. Default: ${DEFAULT-VALUE} MiB.")
    int sizeMiB;

    @Option(
            names = "--runs",
            defaultValue = "3",
            description = "Runs per measurement (best is kept). Default: ${DEFAULT-VALUE}.")
    int runs;

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            description = "Where to put the scratch files (default: a temp directory).")
    Path dir;

    @Option(
            names = "--json",
            description =
                    "Print one JSON object, {\"sizeMiB\",\"runs\",\"results\":[…]}, instead of the table.")
    boolean json;

    // What is being measured, for the progress lines on stderr.
    private volatile String stage = "starting";

    private record Measure(String name, double seconds, long bytes) {
        double mibPerSecond() {
            return bytes / 1048576.0 / seconds;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (sizeMiB <= 0 || runs <= 0)
            throw CliException.usage("--size and --runs must be positive");
        Path work =
                dir != null
                        ? Files.createDirectories(dir)
                        : Files.createTempDirectory("meerkat-bench");
        Path payload = work.resolve("bench-payload.bin");
        Path signed = work.resolve("bench-signed.bin");
        Path encrypted = work.resolve("bench-encrypted.bin");
        Path copy = work.resolve("bench-copy.bin");
        PrintWriter out = spec.commandLine().getOut();
        stage = "writing the " + sizeMiB + " MiB payload";
        try (Heartbeat progress =
                Heartbeat.start(spec.commandLine().getErr(), "meerkat bench", () -> stage)) {
            writePayload(payload, (long) sizeMiB << 20);
            long len = Files.size(payload);
            SigningKey key = SigningKey.generate(KeyType.ECDSA_P256);
            DecryptionKey enc = DecryptionKey.generate(KeyType.X25519);
            ImageSigner plain =
                    ImageSigner.builder()
                            .headerSize(0x200)
                            .padHeader(true)
                            .version(ImageVersion.parse("1.0.0"))
                            .signer(key)
                            .build();
            ImageSigner withEnc =
                    ImageSigner.builder()
                            .headerSize(0x200)
                            .padHeader(true)
                            .version(ImageVersion.parse("1.0.0"))
                            .signer(key)
                            .encryptFor(enc.encryptionKey(), 128)
                            .build();
            // With --json the table goes to stderr: stdout carries the one object.
            PrintWriter table = json ? spec.commandLine().getErr() : out;
            table.printf(
                    Locale.ROOT, "payload %d MiB in %s, best of %d runs%n", sizeMiB, work, runs);

            List<Measure> ms = new ArrayList<>();
            ms.add(
                    best(
                            "openssl dgst -sha256",
                            len,
                            () -> external("openssl", "dgst", "-sha256", payload.toString())));
            ms.add(best("sha256sum", len, () -> external("sha256sum", payload.toString())));
            ms.add(
                    best(
                            "cp (copy reference)",
                            len,
                            () -> external("cp", payload.toString(), copy.toString())));
            ms.add(best("meerkat sign, digest only", len, () -> digestOnly(plain, payload)));
            ms.add(best("meerkat sign (ecdsa-p256)", len, () -> signTo(plain, payload, signed)));
            ms.add(
                    best(
                            "meerkat verify",
                            len,
                            () -> verify(ImageVerifier.trusting(key.verificationKey()), signed)));
            ms.add(
                    best(
                            "meerkat sign+encrypt (aes-128)",
                            len,
                            () -> signTo(withEnc, payload, encrypted)));
            ms.add(
                    best(
                            "meerkat verify+decrypt",
                            len,
                            () ->
                                    verify(
                                            ImageVerifier.trusting(key.verificationKey())
                                                    .withDecryptionKey(enc),
                                            encrypted)));

            double ref = ms.get(0).mibPerSecond();
            ObjectNode result = new ObjectMapper().createObjectNode();
            result.put("sizeMiB", sizeMiB);
            result.put("runs", runs);
            ArrayNode rows = result.putArray("results");
            table.printf(
                    Locale.ROOT,
                    "%-32s %10s %10s %14s%n",
                    "operation",
                    "seconds",
                    "MiB/s",
                    "vs openssl");
            for (Measure m : ms) {
                double ratio = m.mibPerSecond() / ref;
                table.printf(
                        Locale.ROOT,
                        "%-32s %10.3f %10.1f %13.2fx%n",
                        m.name(),
                        m.seconds(),
                        m.mibPerSecond(),
                        ratio);
                ObjectNode row = rows.addObject();
                row.put("operation", m.name());
                row.put("seconds", m.seconds());
                row.put("mibPerSecond", m.mibPerSecond());
                row.put("ratioVsOpenssl", ratio);
            }
            table.flush();
            if (json) JsonOutput.print(out, result);
            return ExitCode.OK;
        } finally {
            Files.deleteIfExists(payload);
            Files.deleteIfExists(signed);
            Files.deleteIfExists(encrypted);
            Files.deleteIfExists(copy);
            if (dir == null) Files.deleteIfExists(work);
        }
    }

    @FunctionalInterface
    private interface Task {
        void run() throws Exception;
    }

    private Measure best(String name, long bytes, Task task) throws Exception {
        double bestSeconds = Double.MAX_VALUE;
        for (int i = 0; i < runs; i++) {
            stage = name + ", run " + (i + 1) + " of " + runs;
            long t0 = System.nanoTime();
            task.run();
            bestSeconds = Math.min(bestSeconds, (System.nanoTime() - t0) / 1e9);
        }
        return new Measure(name, bestSeconds, bytes);
    }

    private static void writePayload(Path file, long size) throws IOException {
        SplittableRandom rnd = new SplittableRandom(42);
        byte[] buf = new byte[1 << 20];
        try (OutputStream o = Files.newOutputStream(file)) {
            for (long done = 0; done < size; done += buf.length) {
                for (int i = 0; i < buf.length; i += 8) {
                    long v = rnd.nextLong();
                    for (int j = 0; j < 8; j++) buf[i + j] = (byte) (v >>> (8 * j));
                }
                o.write(buf, 0, (int) Math.min(buf.length, size - done));
            }
        }
    }

    /** Signs as {@code meerkat sign} does: payload file to image file. */
    private static void signTo(ImageSigner signer, Path in, Path out) throws IOException {
        try (var i = java.nio.channels.FileChannel.open(in);
                var o =
                        java.nio.channels.FileChannel.open(
                                out,
                                java.nio.file.StandardOpenOption.CREATE,
                                java.nio.file.StandardOpenOption.WRITE,
                                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            signer.sign(i, o, n -> {});
        }
    }

    /** The signing computation without writing an image: what a remote-signing client does. */
    private static void digestOnly(ImageSigner signer, Path in) throws IOException {
        try (InputStream i = new BufferedInputStream(Files.newInputStream(in), 1 << 20)) {
            signer.digest(i, Files.size(in));
        }
    }

    private static void verify(ImageVerifier v, Path file) throws Exception {
        try (var ch = ImageSource.open(file)) {
            v.verify(ImageSource.of(ch));
        }
    }

    private static void external(String... cmd) throws IOException, InterruptedException {
        Process p =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
        int rc = p.waitFor();
        if (rc != 0)
            throw new CliException(ExitCode.IO, String.join(" ", cmd) + " exited with " + rc);
    }
}
