package dev.meerkat.firmware;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A real Mosquitto broker for tests: TLS on 127.0.0.1 requiring client certificates from the test
 * CA. The Debian package {@code mosquitto} must be installed (test.sh installs it); without the
 * binary the tests fail, saying so.
 */
final class Mosquitto implements AutoCloseable {

    static final List<String> CANDIDATES =
            List.of(
                    "/usr/sbin/mosquitto",
                    "/usr/bin/mosquitto",
                    "/usr/local/sbin/mosquitto",
                    "/usr/local/bin/mosquitto");

    final int port;
    private final Path dir;
    private Process process;

    Mosquitto(TestPki pki, Path tmp) throws Exception {
        this.dir = tmp;
        // started as root, the broker drops to user mosquitto: it must be able to read its files
        for (Path p = dir;
                p != null
                        && p.startsWith(dir.getRoot().resolve("tmp"))
                        && !p.equals(Path.of("/tmp"));
                p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        TestPki.Issued server = pki.issue("localhost", true);
        write("ca.pem", pki.ca.certPem());
        write("server.pem", server.certPem());
        write("server.key", server.keyPem());
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        write(
                "mosquitto.conf",
                String.join(
                        "\n",
                        "per_listener_settings false",
                        "allow_anonymous true",
                        "persistence false",
                        "log_dest stderr",
                        "listener " + port + " 127.0.0.1",
                        "cafile " + dir.resolve("ca.pem"),
                        "certfile " + dir.resolve("server.pem"),
                        "keyfile " + dir.resolve("server.key"),
                        "require_certificate true",
                        "use_identity_as_username true",
                        ""));
        start();
    }

    static String binary() {
        for (String c : CANDIDATES) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        throw new AssertionError(
                "mosquitto is not installed (looked in "
                        + CANDIDATES
                        + "): install the Debian package 'mosquitto' (./test.sh does)");
    }

    private void write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    }

    void start() throws Exception {
        process =
                new ProcessBuilder(binary(), "-c", dir.resolve("mosquitto.conf").toString())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("mosquitto.log").toFile())
                        .start();
        long end = System.nanoTime() + 20_000_000_000L;
        Path log = dir.resolve("mosquitto.log");
        while (System.nanoTime() < end) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            if (!process.isAlive()) {
                throw new AssertionError("mosquitto exited: " + text);
            }
            if (text.contains(" running")) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("mosquitto did not listen on " + port);
    }

    void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            process.waitFor();
        }
    }

    String uri() {
        return "ssl://127.0.0.1:" + port;
    }

    Path caFile() {
        return dir.resolve("ca.pem");
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
