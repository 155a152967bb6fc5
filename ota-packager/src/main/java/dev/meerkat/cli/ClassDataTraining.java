package dev.meerkat.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The workload the build runs once with {@code -XX:DumpLoadedClassList} so that the launcher can
 * start the JVM from a class-data-sharing archive: the everyday image commands, in one process, in
 * a scratch directory. Not a user command; the build calls {@link #main} directly.
 */
public final class ClassDataTraining {
    private ClassDataTraining() {}

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("meerkat-cds");
        try {
            byte[] payload = new byte[64 * 1024];
            new Random(1).nextBytes(payload);
            Files.write(dir.resolve("app.bin"), payload);
            String d = dir + "/";
            List<String[]> runs =
                    List.of(
                            new String[] {"--version"},
                            new String[] {"--help"},
                            new String[] {"keygen", "-t", "ecdsa-p256", "-k", d + "k.pem"},
                            new String[] {"keygen", "-t", "ed25519", "-k", d + "ed.pem"},
                            new String[] {"keygen", "-t", "x25519", "-k", d + "x.pem"},
                            new String[] {"getpub", "-k", d + "k.pem"},
                            new String[] {"sign", "--help"},
                            new String[] {
                                "sign",
                                "-k",
                                d + "k.pem",
                                "-H",
                                "0x200",
                                "--pad-header",
                                "-v",
                                "1.2.3+4",
                                "-s",
                                "auto",
                                "-S",
                                "0x20000",
                                d + "app.bin",
                                d + "s.bin"
                            },
                            new String[] {
                                "sign",
                                "-k",
                                d + "ed.pem",
                                "-E",
                                d + "x.pem",
                                "-H",
                                "0x200",
                                "--pad-header",
                                "-v",
                                "1.0.0",
                                "--confirm",
                                "-S",
                                "0x20000",
                                d + "app.bin",
                                d + "e.bin"
                            },
                            new String[] {"verify", "-k", d + "k.pem", d + "s.bin"},
                            new String[] {"verify", "-k", d + "ed.pem", d + "e.bin"},
                            new String[] {"dumpinfo", d + "s.bin"},
                            new String[] {"dumpinfo", "-f", "json", d + "s.bin"},
                            new String[] {"verify", "-k", d + "k.pem", d + "missing.bin"});
            PrintWriter sink = new PrintWriter(Writer.nullWriter());
            for (String[] run : runs) Meerkat.run(run, sink, sink);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList())
                    Files.deleteIfExists(p);
            }
        }
    }
}
