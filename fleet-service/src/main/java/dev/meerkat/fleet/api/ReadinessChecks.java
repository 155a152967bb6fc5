package dev.meerkat.fleet.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import dev.meerkat.fleet.release.ObjectStore;
import dev.meerkat.fleet.store.Database;

/** Ready when the database and the object store answer; the service keeps running when they do not. */
@Readiness
@ApplicationScoped
public class ReadinessChecks implements HealthCheck {

    @Inject
    Database db;

    @Inject
    ObjectStore store;

    @Override
    public HealthCheckResponse call() {
        boolean dbUp = db.reachable();
        boolean storeUp = store.reachable();
        return HealthCheckResponse.named("fleet").status(dbUp && storeUp)
                .withData("database", dbUp ? "up" : "down").withData("object-store", storeUp ? "up" : "down").build();
    }
}
