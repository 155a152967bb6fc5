package dev.meerkat.fleet.gcp;

import dev.meerkat.fleet.EmbeddedProfile;
import java.util.HashMap;
import java.util.Map;

/** The embedded defaults, with room for a slow first connection on a loaded machine. */
public class GcpProfile extends EmbeddedProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> m = new HashMap<>(super.getConfigOverrides());
        m.put("quarkus.datasource.h2.jdbc.acquisition-timeout", "PT60S");
        m.put("meerkat.fleet.engine.enabled", "false");
        return m;
    }
}
