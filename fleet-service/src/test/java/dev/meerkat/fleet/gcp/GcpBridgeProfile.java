package dev.meerkat.fleet.gcp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The embedded service with the IoT Core MQTT bridge on a free port and the rollout engine on; the
 * HTTP port is chosen up front so the download links it signs point at it.
 */
public class GcpBridgeProfile extends GcpProfile {
    private static final int HTTP_PORT = freePort();

    /** The bridge's TLS key store (made with the JDK's keytool) and its certificate in PEM. */
    static final Path TLS_DIR = serverKeyStore();

    static final String TLS_PASSWORD = "bridge-test-secret";

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> m = new HashMap<>(super.getConfigOverrides());
        m.put("meerkat.iot-core.bridge.enabled", "true");
        m.put("meerkat.iot-core.bridge.port", "0");
        m.put("meerkat.fleet.engine.enabled", "true");
        m.put("meerkat.iot-core.bridge.tls-port", "0");
        m.put("meerkat.iot-core.bridge.tls-key-store", TLS_DIR.resolve("bridge.p12").toString());
        m.put("meerkat.iot-core.bridge.tls-key-store-password", TLS_PASSWORD);
        m.put("quarkus.http.test-port", Integer.toString(HTTP_PORT));
        m.put("meerkat.fleet.public-url", "http://127.0.0.1:" + HTTP_PORT);
        return m;
    }

    private static Path serverKeyStore() {
        try {
            // One fixed directory: the profile class is loaded by the test framework and by the
            // test, and both must see the same key store.
            Path dir = Files.createDirectories(Path.of("target", "bridge-tls").toAbsolutePath());
            if (Files.exists(dir.resolve("bridge.pem"))) return dir;
            Files.deleteIfExists(dir.resolve("bridge.p12"));
            keytool(
                    "-genkeypair",
                    "-alias",
                    "bridge",
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-dname",
                    "CN=127.0.0.1",
                    "-ext",
                    "SAN=ip:127.0.0.1",
                    "-validity",
                    "2",
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    dir.resolve("bridge.p12").toString(),
                    "-storepass",
                    TLS_PASSWORD);
            keytool(
                    "-exportcert",
                    "-rfc",
                    "-alias",
                    "bridge",
                    "-keystore",
                    dir.resolve("bridge.p12").toString(),
                    "-storepass",
                    TLS_PASSWORD,
                    "-file",
                    dir.resolve("bridge.pem").toString());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void keytool(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (p.waitFor() != 0) throw new IOException("keytool failed: " + out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
