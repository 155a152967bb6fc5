package dev.meerkat.fleet.aws;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Not ready while the configured Jobs broker has not been reached. */
@Readiness
@ApplicationScoped
public class JobsBrokerReadiness implements HealthCheck {

    @Inject JobsBroker broker;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("aws-jobs").status(broker.healthy()).build();
    }
}
