package dev.meerkat.cli;

import dev.meerkat.cli.io.AtomicFiles;
import dev.meerkat.cli.io.ExitCode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The release pipeline, end to end, on generated files: each step is a real meerkat command run in
 * this process, shown with its output; the demo fails if any step's exit code is not the expected
 * one.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "The whole story on generated files: keys, signed/encrypted images, fw.zip, bootloader, and a fleet",
            "updated through fleet-service (started on embedded defaults in the working directory, stopped at the end):",
            "v2 in three phases commits everywhere, v2-broken is aborted in phase 1 and its devices roll back.",
            "Tampered copies are rejected; every step is a real meerkat command."
        })
final class DemoCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            description =
                    "Working directory (default: a new temporary directory, kept for inspection).")
    Path dir;

    /**
     * One meerkat command, the exit code it must end with, and its title (null: same as before).
     */
    record Step(String title, int expectedExit, String... args) {}

    @Override
    public Integer call() throws Exception {
        Path work =
                dir != null
                        ? Files.createDirectories(dir)
                        : Files.createTempDirectory("meerkat-demo-");
        PrintWriter out = spec.commandLine().getOut();
        out.println("Meerkat demo: the release pipeline on generated files");
        out.println("working directory: " + work);
        out.println();

        Path app = work.resolve("app.bin");
        writeFirmware(app, 128 * 1024);
        out.printf(
                "firmware: %s (%,d bytes of generated code)%n%n",
                app.getFileName(), Files.size(app));

        String w = work + "/";
        List<Step> steps =
                new ArrayList<>(
                        List.of(
                                new Step(
                                        "Generate the release signing key (ECDSA P-256)",
                                        ExitCode.OK,
                                        "keygen",
                                        "-t",
                                        "ecdsa-p256",
                                        "-k",
                                        w + "release-key.pem",
                                        "--force"),
                                new Step(
                                        "Generate the device's image-decryption key (X25519)",
                                        ExitCode.OK,
                                        "keygen",
                                        "-t",
                                        "x25519",
                                        "-k",
                                        w + "device-key.pem",
                                        "--force"),
                                new Step(
                                        "The KEYHASH the bootloader is provisioned with",
                                        ExitCode.OK,
                                        "getpub",
                                        "-k",
                                        w + "release-key.pem",
                                        "-e",
                                        "keyhash"),
                                new Step(
                                        "Sign and encrypt version 1.2.0+7 with an anti-rollback counter",
                                        ExitCode.OK,
                                        "sign",
                                        "-k",
                                        w + "release-key.pem",
                                        "-E",
                                        w + "device-key.pem",
                                        "-H",
                                        "0x200",
                                        "--pad-header",
                                        "-v",
                                        "1.2.0+7",
                                        "-s",
                                        "auto",
                                        "-S",
                                        "0x40000",
                                        w + "app.bin",
                                        w + "app-1.2.0.bin"),
                                new Step(
                                        "Verify: decrypt, check the plaintext hash and the signature",
                                        ExitCode.OK,
                                        "verify",
                                        "-k",
                                        w + "release-key.pem",
                                        "--enc-key",
                                        w + "device-key.pem",
                                        w + "app-1.2.0.bin"),
                                new Step(
                                        "Inspect the image",
                                        ExitCode.OK,
                                        "dumpinfo",
                                        w + "app-1.2.0.bin"),
                                new Step(
                                        "Package a signed Mongoose OS fw.zip",
                                        ExitCode.OK,
                                        "package",
                                        "create",
                                        "-n",
                                        "demo-app",
                                        "-p",
                                        "esp32",
                                        "-v",
                                        "1.2.0",
                                        "--src-dir",
                                        work.toString(),
                                        "--part",
                                        "app:type=app,src=app-1.2.0.bin,addr=0x10000,ptn=app_0",
                                        "--sign-key",
                                        w + "release-key.pem",
                                        "-o",
                                        w + "fw.zip"),
                                new Step(
                                        "Verify the package: part sizes, SHA-1/SHA-256 and the manifest signature",
                                        ExitCode.OK,
                                        "package",
                                        "verify",
                                        "-k",
                                        w + "release-key.pem",
                                        w + "fw.zip")));

        Path tamperedImage = work.resolve("app-1.2.0-tampered.bin");
        Path tamperedZip = work.resolve("fw-tampered.zip");
        int failures = 0;
        for (Step s : steps) failures += run(out, w, s);

        flipByte(work.resolve("app-1.2.0.bin"), tamperedImage, 0x200 + 4096);
        flipByte(work.resolve("fw.zip"), tamperedZip, Files.size(work.resolve("fw.zip")) / 2);
        out.println("-- An attacker flips one bit in the image payload and one in the package --");
        out.println();
        failures +=
                run(
                        out,
                        w,
                        new Step(
                                "The tampered image is rejected (exit 1)",
                                ExitCode.INVALID,
                                "verify",
                                "-k",
                                w + "release-key.pem",
                                "--enc-key",
                                w + "device-key.pem",
                                tamperedImage.toString()));
        failures +=
                run(
                        out,
                        w,
                        new Step(
                                "The tampered package is rejected (exit 1)",
                                ExitCode.INVALID,
                                "package",
                                "verify",
                                "-k",
                                w + "release-key.pem",
                                tamperedZip.toString()));
        out.println("-- On the device: the bootloader on emulated flash --");
        out.println();
        failures +=
                run(
                        out,
                        w,
                        new Step(
                                "A new firmware fails its init during the test boot: the bootloader rolls back",
                                ExitCode.OK,
                                "bootsim",
                                "run",
                                "--scenario",
                                "rollback-failed-init"));
        failures +=
                run(
                        out,
                        w,
                        new Step(
                                "Power is cut at every flash operation of a commit, and again during recovery",
                                ExitCode.OK,
                                "bootsim",
                                "powercut",
                                "--scenario",
                                "commit"));
        out.println("-- The fleet: firmware for the device runtime --");
        out.println();
        failures +=
                run(
                        out,
                        w,
                        new Step(
                                "Build and sign the device firmware v1, v2 and v2-broken with the release key",
                                ExitCode.OK,
                                "fleet",
                                "build",
                                "-k",
                                w + "release-key.pem",
                                "-o",
                                w + "fleet"));
        out.println(
                "-- The fleet service: releases, a phased deployment, and one aborted by its"
                        + " failures --");
        out.println();
        failures += new FleetServiceDemo(work, out, s -> run(out, w, s)).run();
        out.println(
                failures == 0
                        ? "Demo complete: every step behaved as expected."
                        : "Demo FAILED: " + failures + " step(s) did not behave as expected.");
        out.println("Files are in " + work);
        return failures == 0 ? ExitCode.OK : ExitCode.INVALID;
    }

    private int run(PrintWriter out, String workPrefix, Step s) {
        if (s.title() != null) out.println("== " + s.title());
        out.println("$ meerkat " + String.join(" ", s.args()).replace(workPrefix, ""));
        out.flush();
        // live, so that commands that wait (deploy status --watch) show their progress as it comes
        PrintWriter pw = new PrintWriter(new IndentedLines(out, workPrefix), true);
        int rc = Meerkat.run(s.args(), pw, pw);
        pw.close();
        boolean ok = rc == s.expectedExit();
        out.println(
                ok
                        ? "  -> exit " + rc + " (as expected)"
                        : "  -> exit "
                                + rc
                                + ", expected "
                                + s.expectedExit()
                                + "  <<< UNEXPECTED");
        out.println();
        out.flush();
        return ok ? 0 : 1;
    }

    /** Passes each complete line on, indented, with the working directory cut from paths. */
    private static final class IndentedLines extends Writer {
        private final PrintWriter out;
        private final String workPrefix;
        private final StringBuilder line = new StringBuilder();

        IndentedLines(PrintWriter out, String workPrefix) {
            this.out = out;
            this.workPrefix = workPrefix;
        }

        @Override
        public synchronized void write(char[] cbuf, int off, int len) {
            for (int i = off; i < off + len; i++) {
                char c = cbuf[i];
                if (c == '\n') emit();
                else if (c != '\r') line.append(c);
            }
        }

        private void emit() {
            if (!line.toString().isBlank())
                out.println("  " + line.toString().replace(workPrefix, ""));
            line.setLength(0);
            out.flush();
        }

        @Override
        public synchronized void flush() {
            out.flush();
        }

        @Override
        public synchronized void close() {
            if (line.length() > 0) emit();
        }
    }

    private static void writeFirmware(Path file, int size) throws IOException {
        byte[] fw = new byte[size];
        new Random(2026).nextBytes(fw);
        byte[] banner = "Meerkat demo firmware v1.2.0".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(banner, 0, fw, 0, banner.length);
        AtomicFiles.writeBytes(file, fw);
    }

    private static void flipByte(Path from, Path to, long offset) throws IOException {
        byte[] b = Files.readAllBytes(from);
        b[(int) offset] ^= 0x01;
        AtomicFiles.writeBytes(to, b);
    }
}
