package dev.meerkat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's {@code ./meerkat} launcher, copied into a scratch checkout whose {@code java}
 * and {@code mvn} only record how they were called: it rebuilds exactly when a main source or POM
 * of the CLI's modules is newer than the jar, keeps the full JIT only for inputs of 8 MiB or more,
 * and finds its checkout through a symlink, wherever the checkout is.
 */
class LauncherScriptTest {

    @TempDir Path dir;
    private Path root;
    private Path bin;
    private Path calls;

    @BeforeEach
    void checkout() throws IOException {
        // Spaces and pattern characters in the checkout's path must not change what is found.
        root = dir.resolve("check out [1]*?");
        bin = dir.resolve("bin");
        calls = dir.resolve("calls.log");
        Files.createDirectories(bin);
        Path launcher = root.resolve("meerkat");
        Files.createDirectories(root);
        Files.copy(Path.of("../meerkat"), launcher);
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        for (String m : List.of("image-format", "hal", "ota-packager")) {
            Files.createDirectories(root.resolve(m + "/src/main/java"));
            Files.writeString(root.resolve(m + "/src/main/java/A.java"), "class A {}");
            Files.writeString(root.resolve(m + "/pom.xml"), "<project/>");
        }
        Files.createDirectories(root.resolve("ota-packager/target"));
        Path jar = root.resolve("ota-packager/target/meerkat-cli.jar");
        Files.writeString(jar, "jar");
        // Everything older than the jar, as after a build.
        try (var files = Files.walk(root)) {
            for (Path p : files.toList())
                if (!p.equals(jar)) Files.setLastModifiedTime(p, ago(3600));
        }
        recorder("java");
        recorder("mvn");
    }

    @Test
    void anUnchangedCheckoutRunsWithoutBuildingAndShortInputsStopAtC1() throws Exception {
        Path small = Files.writeString(dir.resolve("small.bin"), "x".repeat(65536));
        run(root.resolve("meerkat"), "verify", "-k", "key.pem", small.toString());
        String log = Files.readString(calls);
        assertThat(log).doesNotContain("mvn ");
        assertThat(log).contains("java ").contains("-XX:TieredStopAtLevel=1");
        assertThat(log).contains("dev.meerkat.cli.Meerkat verify -k key.pem " + small);
    }

    @Test
    void anInputOf8MiBOrMoreKeepsTheFullJit() throws Exception {
        Path large = dir.resolve("large.bin");
        try (RandomAccessFile f = new RandomAccessFile(large.toFile(), "rw")) {
            f.setLength(8L << 20);
        }
        Path link = dir.resolve("link.bin");
        Files.createSymbolicLink(link, large);
        run(root.resolve("meerkat"), "sign", "-k", "key.pem", link.toString(), "out.bin");
        assertThat(Files.readString(calls)).contains("java ").doesNotContain("TieredStopAtLevel");

        Files.delete(calls);
        try (RandomAccessFile f = new RandomAccessFile(large.toFile(), "rw")) {
            f.setLength((8L << 20) - 1);
        }
        run(root.resolve("meerkat"), "sign", "-k", "key.pem", link.toString(), "out.bin");
        assertThat(Files.readString(calls)).contains("-XX:TieredStopAtLevel=1");
    }

    @Test
    void aNewerSourceFileOrPomOrAnAddedFileRebuilds() throws Exception {
        for (Path changed :
                List.of(
                        root.resolve("hal/src/main/java/A.java"),
                        root.resolve("ota-packager/pom.xml"),
                        root.resolve("pom.xml"))) {
            Files.setLastModifiedTime(changed, FileTime.from(Instant.now()));
            run(root.resolve("meerkat"), "--version");
            assertThat(Files.readString(calls)).as(changed.toString()).contains("mvn ");
            Files.setLastModifiedTime(changed, ago(3600));
            Files.delete(calls);
        }
        // A file added to a source directory changes the directory's time.
        Files.writeString(root.resolve("image-format/src/main/java/B.java"), "class B {}");
        run(root.resolve("meerkat"), "--version");
        assertThat(Files.readString(calls)).contains("mvn ");
    }

    @Test
    void changesOutsideTheClisSourcesDoNotRebuild() throws Exception {
        Files.createDirectories(root.resolve("hal/src/test/java"));
        Files.writeString(root.resolve("hal/src/test/java/T.java"), "class T {}");
        Files.writeString(root.resolve("README.md"), "docs");
        run(root.resolve("meerkat"), "--version");
        assertThat(Files.readString(calls)).doesNotContain("mvn ").contains("java ");
    }

    @Test
    void aSymlinkedLauncherFindsItsCheckoutAndOddFileNamesAreNotOptions() throws Exception {
        Path link = dir.resolve("meerkat-link");
        Files.createSymbolicLink(link, root.resolve("meerkat"));
        // A file whose name find would read as an expression.
        Files.writeString(dir.resolve("-newer"), "x");
        run(link, "verify", "-newer");
        String log = Files.readString(calls);
        assertThat(log).doesNotContain("mvn ");
        assertThat(log).contains(root.resolve("ota-packager/target/meerkat-cli.jar").toString());
    }

    private void recorder(String name) throws IOException {
        Path p = bin.resolve(name);
        Files.writeString(
                p,
                "#!/bin/sh\necho \"" + name + " $*\" >> '" + calls + "'\n",
                StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private void run(Path launcher, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb =
                new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":/usr/bin:/bin");
        pb.environment().remove("MEERKAT_JAVA_OPTS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private static FileTime ago(long seconds) {
        return FileTime.from(Instant.now().minusSeconds(seconds));
    }
}
