package dev.meerkat.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The {@code meerkat} command line as a user runs it: its jars with the JVM options of the {@code
 * ./meerkat} launcher, in a working directory, with environment variables for the services' URLs
 * and credentials.
 */
final class Cli {
    private final Path jar;
    private final Path dir;
    private final Map<String, String> env;

    record Result(int exit, String out, String err) {
        String both() {
            return out + err;
        }
    }

    Cli(Path dir) {
        this(Path.of(System.getProperty("meerkat.cli.jar")), dir, Map.of());
        if (!jar.toFile().isFile())
            throw new IllegalStateException(jar + " is missing: build ota-packager first");
    }

    private Cli(Path jar, Path dir, Map<String, String> env) {
        this.jar = jar;
        this.dir = dir;
        this.env = Map.copyOf(env);
    }

    /** The same CLI with more environment variables (e.g. another user's token). */
    Cli with(Map<String, String> more) {
        Map<String, String> m = new HashMap<>(env);
        m.putAll(more);
        return new Cli(jar, dir, m);
    }

    Cli with(String name, String value) {
        return with(Map.of(name, value));
    }

    /** Runs a command to its end (at most 5 minutes). */
    Result run(String... args) throws IOException, InterruptedException {
        Process p = builder(List.of(args)).start();
        CompletableFuture<String> err =
                CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("meerkat " + String.join(" ", args) + " hung");
        }
        return new Result(p.exitValue(), out, err.join());
    }

    /** Runs a command and fails the test with its output unless it exits 0. */
    String ok(String... args) throws IOException, InterruptedException {
        Result r = run(args);
        if (r.exit() != 0)
            throw new AssertionError(
                    "meerkat " + String.join(" ", args) + " exited " + r.exit() + ":\n" + r.both());
        return r.out();
    }

    /**
     * Starts a long-running command; every line it prints (stdout and stderr) goes to {@code lines}
     * and to {@code log}.
     */
    Process start(Path log, Consumer<String> lines, String... args) throws IOException {
        ProcessBuilder pb = builder(List.of(args)).redirectErrorStream(true);
        Process p = pb.start();
        Thread t =
                new Thread(
                        () -> {
                            try (BufferedReader r =
                                            new BufferedReader(
                                                    new InputStreamReader(
                                                            p.getInputStream(),
                                                            StandardCharsets.UTF_8));
                                    var w = Files.newBufferedWriter(log)) {
                                for (String line; (line = r.readLine()) != null; ) {
                                    w.write(line);
                                    w.newLine();
                                    w.flush();
                                    lines.accept(line);
                                }
                            } catch (IOException ignored) {
                                // the process ended
                            }
                        },
                        "meerkat-output");
        t.setDaemon(true);
        t.start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
        return p;
    }

    private ProcessBuilder builder(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // As the ./meerkat launcher runs it: small heap, serial GC, C1 only, and the build's
        // class-data archive with the class path it was made for (the small jar first).
        cmd.addAll(List.of("-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xmx160m", "-Xss512k"));
        cmd.add("-XX:TieredStopAtLevel=1");
        Path core = jar.resolveSibling("meerkat-cli-core.jar");
        Path jsa = jar.resolveSibling("meerkat-cli.jsa");
        if (Files.isRegularFile(core)) {
            if (Files.isRegularFile(jsa)) {
                cmd.addAll(
                        List.of(
                                "-XX:+UnlockDiagnosticVMOptions",
                                "-XX:ArchiveRelocationMode=0",
                                "-XX:SharedArchiveFile=" + jsa,
                                "-Xlog:cds=off",
                                "-Xlog:cds+dynamic=off"));
            }
            cmd.addAll(List.of("-cp", core + java.io.File.pathSeparator + jar));
            cmd.add("dev.meerkat.cli.Meerkat");
        } else {
            cmd.add("-jar");
            cmd.add(jar.toString());
        }
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().putAll(env);
        return pb;
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
