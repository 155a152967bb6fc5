package dev.meerkat.cloud.aws.broker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A real Mosquitto for the Jobs tests: mTLS on a free 127.0.0.1 port, the certificate CN as user
 * name, and the ACL that confines each thing to its own {@code $aws/things/{thing}/jobs/...} topics
 * while the Jobs service may serve every thing. The same ACL is documented in docs/aws.md.
 */
public final class JobsMosquitto implements AutoCloseable {

    public static final String SERVICE_USER = "meerkat-jobs";
    public static final String ACL =
            String.join(
                    "\n",
                    "# the Jobs service answers every thing",
                    "user " + SERVICE_USER,
                    "topic read $aws/things/+/jobs/#",
                    "topic write $aws/things/+/jobs/#",
                    "# a thing (certificate CN = thing name) publishes requests and reads answers under its own name only",
                    "pattern write $aws/things/%u/jobs/get",
                    "pattern write $aws/things/%u/jobs/start-next",
                    "pattern write $aws/things/%u/jobs/+/get",
                    "pattern write $aws/things/%u/jobs/+/update",
                    "pattern read $aws/things/%u/jobs/#",
                    "");
    private static final List<String> CANDIDATES =
            List.of(
                    "/usr/sbin/mosquitto",
                    "/usr/bin/mosquitto",
                    "/usr/local/sbin/mosquitto",
                    "/usr/local/bin/mosquitto");

    public final int port;
    public final Path dir;
    private final Process process;

    public JobsMosquitto(TestPki pki, Path dir) throws Exception {
        this.dir = dir;
        for (Path p = dir;
                p != null && !p.equals(Path.of("/tmp")) && p.startsWith("/tmp");
                p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        TestPki.Issued server = pki.issue("localhost", true);
        write("ca.pem", pki.ca.certPem());
        write("server.pem", server.certPem());
        write("server.key", server.keyPem());
        write("acl", ACL);
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        write(
                "mosquitto.conf",
                String.join(
                        "\n",
                        "per_listener_settings false",
                        "allow_anonymous false",
                        "persistence false",
                        "log_dest stderr",
                        "log_type all",
                        "listener " + port + " 127.0.0.1",
                        "cafile " + dir.resolve("ca.pem"),
                        "certfile " + dir.resolve("server.pem"),
                        "keyfile " + dir.resolve("server.key"),
                        "require_certificate true",
                        "use_identity_as_username true",
                        "acl_file " + dir.resolve("acl"),
                        ""));
        String binary =
                CANDIDATES.stream()
                        .filter(c -> Files.isExecutable(Path.of(c)))
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new AssertionError(
                                                "mosquitto is not installed: install the Debian package "
                                                        + "'mosquitto' (./test.sh does)"));
        Path log = dir.resolve("mosquitto.log");
        process =
                new ProcessBuilder(binary, "-c", dir.resolve("mosquitto.conf").toString())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        long end = System.nanoTime() + 20_000_000_000L;
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
        throw new AssertionError("mosquitto did not start on port " + port);
    }

    public String uri() {
        return "ssl://127.0.0.1:" + port;
    }

    public String log() throws IOException {
        return Files.readString(dir.resolve("mosquitto.log"));
    }

    public Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        return p;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
