package dev.meerkat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Using it" block, run as written by bash in an empty directory: every command in it
 * must work on a fresh clone, in order, creating its own inputs. {@code ./meerkat} there runs this
 * build's classes.
 */
class ReadmeWalkTest {

    @TempDir Path dir;

    @Test
    void usingItRunsTopToBottom() throws Exception {
        String block =
                usingItBlock(Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8));
        assertThat(block).contains("./meerkat sign").contains("./meerkat verify");

        String classpath =
                System.getProperty(
                        "surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path shim = dir.resolve("meerkat");
        Files.writeString(
                shim,
                "#!/bin/sh\nexec '"
                        + java
                        + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '"
                        + classpath
                        + "' dev.meerkat.cli.Meerkat \"$@\"\n");
        Files.setPosixFilePermissions(shim, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path script = dir.resolve("walk.sh");
        Files.writeString(script, block);

        Path log = dir.resolve("walk.log");
        Process p =
                new ProcessBuilder("bash", "-euo", "pipefail", "-x", script.toString())
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        boolean done = p.waitFor(10, TimeUnit.MINUTES);
        if (!done) p.destroyForcibly();
        String output = Files.readString(log);
        assertThat(done).as("the walk finished within 10 minutes:%n%s", tail(output)).isTrue();
        assertThat(p.exitValue()).as("the walk ran to the end:%n%s", tail(output)).isZero();
        assertThat(output).contains("app-signed.bin: valid").contains("\"bricked\":0");
    }

    /** The first sh code block after the "## Using it" heading. */
    static String usingItBlock(String readme) {
        int section = readme.indexOf("\n## Using it");
        if (section < 0) throw new IllegalStateException("README has no '## Using it' section");
        int start = readme.indexOf("```sh\n", section);
        int end = readme.indexOf("\n```", start + 6);
        if (start < 0 || end < 0)
            throw new IllegalStateException("no sh block under '## Using it'");
        return readme.substring(start + 6, end + 1);
    }

    private static String tail(String s) throws IOException {
        return s.length() <= 4000 ? s : "…" + s.substring(s.length() - 4000);
    }
}
