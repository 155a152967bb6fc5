package dev.meerkat.fleet.gcp;

import java.util.HashMap;
import java.util.Map;

/** The embedded service with the IoT Core MQTT bridge on a free port. */
public class GcpBridgeProfile extends GcpProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> m = new HashMap<>(super.getConfigOverrides());
        m.put("meerkat.iot-core.bridge.enabled", "true");
        m.put("meerkat.iot-core.bridge.port", "0");
        return m;
    }
}
