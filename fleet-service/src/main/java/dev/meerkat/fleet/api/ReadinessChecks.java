package dev.meerkat.fleet.api;

import dev.meerkat.fleet.release.ObjectStore;
import dev.meerkat.fleet.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the database, the object store and (if configured) the MQTT broker answer; the service
 * keeps running when they do not.
 */
@Readiness
@ApplicationScoped
public class ReadinessChecks implements HealthCheck {

    @Inject Database db;

    @Inject ObjectStore store;

    @Inject dev.meerkat.fleet.protocol.MqttTransport mqtt;

    @Override
    public HealthCheckResponse call() {
        boolean dbUp = db.reachable();
        boolean storeUp = store.reachable();
        boolean mqttUp = mqtt.healthy();
        return HealthCheckResponse.named("fleet")
                .status(dbUp && storeUp && mqttUp)
                .withData("database", dbUp ? "up" : "down")
                .withData("object-store", storeUp ? "up" : "down")
                .withData("mqtt", mqttUp ? "up" : "down")
                .build();
    }
}
