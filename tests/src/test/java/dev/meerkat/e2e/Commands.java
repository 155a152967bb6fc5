package dev.meerkat.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the host's programs (openssl, softhsm2-util, PostgreSQL's tools) and fails on errors. */
final class Commands {
    private Commands() {}

    static String run(List<String> command) throws IOException, InterruptedException {
        return run(command, Map.of(), null);
    }

    /**
     * Runs {@code command} (in {@code dir} when given) and returns its output; throws on failure.
     */
    static String run(List<String> command, Map<String, String> env, Path dir)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        if (dir != null) pb.directory(dir.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    /** The same, as an unprivileged user when the tests run as root (PostgreSQL refuses root). */
    static String runAsPostgres(List<String> command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (isRoot()) full.addAll(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(command);
        return run(full);
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Lets the servers that drop privileges (PostgreSQL, Mosquitto) into a test directory. */
    static void openToServers(Path dir) throws IOException {
        Files.setPosixFilePermissions(
                dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    }
}
