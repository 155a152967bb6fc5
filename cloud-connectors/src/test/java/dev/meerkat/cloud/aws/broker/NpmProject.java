package dev.meerkat.cloud.aws.broker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/**
 * The committed npm project under src/test/npm, installed with {@code npm ci} (exact versions from
 * package-lock.json) into target/npm the first time a test needs it, and again whenever the lock
 * file changes.
 */
public final class NpmProject {

    private NpmProject() {}

    public static synchronized Path installed() throws IOException, InterruptedException {
        Path source = Path.of(System.getProperty("meerkat.npm.project", "src/test/npm"));
        Path dir = Path.of(System.getProperty("meerkat.npm.dir", "target/npm"));
        Files.createDirectories(dir);
        try (var files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path stamp = dir.resolve("node_modules/.meerkat-lock");
        String lock = Files.readString(source.resolve("package-lock.json"));
        if (Files.exists(stamp) && Files.readString(stamp).equals(lock)) {
            return dir;
        }
        Process p =
                new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("npm-ci.log").toFile())
                        .start();
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError(
                    "npm ci failed (is the Debian package 'npm' installed? ./test.sh does): "
                            + Files.readString(dir.resolve("npm-ci.log")));
        }
        Files.writeString(stamp, lock);
        return dir;
    }
}
