package dev.meerkat.fleet.api;

import dev.meerkat.fleet.release.ObjectStore;
import dev.meerkat.fleet.security.DeviceRevocations;
import dev.meerkat.fleet.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the database, the object store and (if configured) the MQTT broker answer, and the
 * device CA's revocation list (if configured) is loaded and not past its nextUpdate; the service
 * keeps running when they do not.
 */
@Readiness
@ApplicationScoped
public class ReadinessChecks implements HealthCheck {

    @Inject Database db;

    @Inject ObjectStore store;

    @Inject dev.meerkat.fleet.protocol.MqttTransport mqtt;

    @Inject DeviceRevocations revocations;

    @Override
    public HealthCheckResponse call() {
        boolean dbUp = db.reachable();
        boolean storeUp = store.reachable();
        boolean mqttUp = mqtt.healthy();
        DeviceRevocations.Status crl = revocations.status();
        return HealthCheckResponse.named("fleet")
                .status(dbUp && storeUp && mqttUp && crl.healthy())
                .withData("device-crl", describe(crl))
                .withData("database", dbUp ? "up" : "down")
                .withData("object-store", storeUp ? "up" : "down")
                .withData("mqtt", mqttUp ? "up" : "down")
                .build();
    }

    static String describe(DeviceRevocations.Status crl) {
        if (!crl.configured()) return "not configured";
        if (crl.thisUpdate() == null) return "not loaded: " + crl.lastError();
        String state =
                (crl.stale() ? "stale since " : "current until ")
                        + (crl.nextUpdate() == null ? "(no nextUpdate)" : crl.nextUpdate());
        return crl.lastError() == null
                ? state
                : state + "; last refresh failed: " + crl.lastError();
    }
}
