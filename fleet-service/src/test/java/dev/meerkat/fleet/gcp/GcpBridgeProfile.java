package dev.meerkat.fleet.gcp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;

/**
 * The embedded service with the IoT Core MQTT bridge on a free port and the rollout engine on; the
 * HTTP port is chosen up front so the download links it signs point at it.
 */
public class GcpBridgeProfile extends GcpProfile {
    private static final int HTTP_PORT = freePort();

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> m = new HashMap<>(super.getConfigOverrides());
        m.put("meerkat.iot-core.bridge.enabled", "true");
        m.put("meerkat.iot-core.bridge.port", "0");
        m.put("meerkat.fleet.engine.enabled", "true");
        m.put("quarkus.http.test-port", Integer.toString(HTTP_PORT));
        m.put("meerkat.fleet.public-url", "http://127.0.0.1:" + HTTP_PORT);
        return m;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
