package dev.meerkat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signing, encrypting and verifying a 1 GiB image in a JVM whose heap is capped at 64 MiB: the
 * image code streams and never holds the image in memory.
 */
class LargeImageStreamingTest {

    @TempDir Path tmp;

    @Test
    void oneGibImageWithSixtyFourMibHeap() throws Exception {
        Path payload = tmp.resolve("payload.bin");
        try (RandomAccessFile f = new RandomAccessFile(payload.toFile(), "rw")) {
            f.setLength(1L << 30);
            f.seek((1L << 30) - 16);
            f.write("end of firmware!".getBytes(StandardCharsets.US_ASCII));
        }
        Path signed = tmp.resolve("signed.bin");
        try {
            exec("keygen", "-t", "ecdsa-p256", "-k", tmp.resolve("k.pem").toString());
            exec("keygen", "-t", "x25519", "-k", tmp.resolve("e.pem").toString());
            exec(
                    "sign",
                    "-k",
                    tmp.resolve("k.pem").toString(),
                    "-E",
                    tmp.resolve("e.pem").toString(),
                    "-H",
                    "0x200",
                    "--pad-header",
                    "-v",
                    "1.0.0",
                    payload.toString(),
                    signed.toString());
            assertThat(Files.size(signed)).isGreaterThan(1L << 30);
            String out =
                    exec(
                            "verify",
                            "-k",
                            tmp.resolve("k.pem").toString(),
                            "--enc-key",
                            tmp.resolve("e.pem").toString(),
                            signed.toString());
            assertThat(out).contains("valid");
        } finally {
            Files.deleteIfExists(signed);
            Files.deleteIfExists(payload);
        }
    }

    private static String exec(String... args) throws Exception {
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Xmx64m",
                                "-XX:+ExitOnOutOfMemoryError",
                                "-cp",
                                System.getProperty("java.class.path"),
                                Meerkat.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", args) + "\n" + output).isZero();
        return output;
    }
}
