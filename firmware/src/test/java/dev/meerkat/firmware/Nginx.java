package dev.meerkat.firmware;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A real nginx (Debian package {@code nginx}) for tests, started on 127.0.0.1 with a generated
 * configuration in a temporary directory: no root needed, nothing written outside that directory
 * (pid, logs and temp paths are all inside it). It serves {@code www/} with Range support under
 * {@code /}, the same files with Range disabled ({@code max_ranges 0}) under {@code /norange/}, and
 * rate-limited under {@code /slow/}. The access log records status, Range and If-Range of every
 * request. Without the binary the tests fail, saying so.
 */
final class Nginx implements AutoCloseable {

    static final List<String> CANDIDATES =
            List.of(
                    "/usr/sbin/nginx",
                    "/usr/bin/nginx",
                    "/usr/local/sbin/nginx",
                    "/usr/local/bin/nginx",
                    "/usr/local/nginx/sbin/nginx");

    final int port;
    final Path dir;
    final Path www;
    private Process process;

    Nginx(Path tmp) throws Exception {
        this.dir = tmp;
        this.www = Files.createDirectories(dir.resolve("www"));
        for (String d : List.of("tmp", "logs")) {
            Files.createDirectories(dir.resolve(d));
        }
        // started as root, the workers run as nobody: the files must be readable by everyone
        for (Path p = www;
                p != null
                        && p.startsWith(dir.getRoot().resolve("tmp"))
                        && !p.equals(Path.of("/tmp"));
                p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path t = dir.resolve("tmp");
        Files.writeString(
                dir.resolve("nginx.conf"),
                String.join(
                        "\n",
                        "daemon off;",
                        "worker_processes 1;",
                        "pid " + dir.resolve("nginx.pid") + ";",
                        "error_log " + dir.resolve("logs/error.log") + " info;",
                        "events { worker_connections 256; }",
                        "http {",
                        "  log_format ranges '$status $request_method $uri range=\"$http_range\" if_range=\"$http_if_range\" "
                                + "bytes=$body_bytes_sent';",
                        "  access_log " + dir.resolve("logs/access.log") + " ranges;",
                        "  client_body_temp_path " + t.resolve("body") + ";",
                        "  proxy_temp_path " + t.resolve("proxy") + ";",
                        "  fastcgi_temp_path " + t.resolve("fastcgi") + ";",
                        "  uwsgi_temp_path " + t.resolve("uwsgi") + ";",
                        "  scgi_temp_path " + t.resolve("scgi") + ";",
                        "  types { application/octet-stream bin; }",
                        "  default_type application/octet-stream;",
                        "  sendfile on;",
                        "  server {",
                        "    listen 127.0.0.1:" + port + ";",
                        "    root " + www + ";",
                        "    location / { }",
                        "    location /norange/ { alias " + www + "/; max_ranges 0; }",
                        "    location /slow/ { alias " + www + "/; limit_rate 16k; }",
                        "  }",
                        "}",
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
                "nginx is not installed (looked in "
                        + CANDIDATES
                        + "): install the Debian package 'nginx' (./test.sh does)");
    }

    /**
     * Publishes {@code content} as {@code www/name}; returns its URL under {@code location} ("" or
     * "norange/"...).
     */
    String put(String name, byte[] content) throws IOException {
        Path f = www.resolve(name);
        Files.write(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        return url("", name);
    }

    String url(String location, String name) {
        return "http://127.0.0.1:" + port + "/" + location + name;
    }

    void start() throws Exception {
        process =
                new ProcessBuilder(
                                binary(),
                                "-p",
                                dir.toString(),
                                "-c",
                                dir.resolve("nginx.conf").toString(),
                                "-e",
                                dir.resolve("logs/error.log").toString())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("logs/stdout.log").toFile())
                        .start();
        long end = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new AssertionError(
                        "nginx exited: "
                                + Files.readString(dir.resolve("logs/stdout.log"))
                                + Files.readString(dir.resolve("logs/error.log")));
            }
            try (Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        throw new AssertionError("nginx did not listen on " + port);
    }

    /** Kills the server (open connections are cut). */
    void stop() throws InterruptedException {
        if (process != null) {
            // the master first (a killed worker would be respawned), then the workers it had
            List<ProcessHandle> workers = process.descendants().toList();
            process.destroyForcibly();
            process.waitFor();
            for (ProcessHandle w : workers) {
                w.destroyForcibly();
                w.onExit().join();
            }
            process = null;
        }
    }

    List<String> accessLog() throws IOException {
        Path p = dir.resolve("logs/access.log");
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
