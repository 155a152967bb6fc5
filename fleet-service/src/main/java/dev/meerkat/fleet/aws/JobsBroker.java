package dev.meerkat.fleet.aws;

import dev.meerkat.cloud.aws.broker.JobsProtocolEngine;
import dev.meerkat.cloud.aws.broker.MqttJobsService;
import dev.meerkat.cloud.aws.jobs.JobsLimits;
import dev.meerkat.fleet.deploy.RolloutEngine;
import dev.meerkat.fleet.protocol.BrokerTls;
import dev.meerkat.fleet.store.Database;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.jboss.logging.Logger;

/**
 * Serves the Jobs MQTT API on the configured broker: the cloud-connectors engine over {@link
 * FleetJobsBackend}, answering devices' requests, plus the notify / notify-next events for changes
 * the service makes by itself: executions the rollout engine releases (at once), jobs canceled here
 * (at once) and anything else (aborts, timeouts, retries coming due) within one sweep.
 */
@ApplicationScoped
public class JobsBroker {
    private static final Logger LOG = Logger.getLogger(JobsBroker.class);

    /** How far back each sweep looks, over its period, for commits that landed late. */
    private static final Duration OVERLAP = Duration.ofSeconds(2);

    @Inject AwsSettings config;

    @Inject FleetJobsBackend backend;

    @Inject AwsJobRepository jobs;

    @Inject RolloutEngine engine;

    @Inject Database db;

    private volatile MqttJobsService service;
    private ScheduledExecutorService timer;
    private Instant swept = Instant.now();

    void start(@Observes StartupEvent ev) {
        AwsSettings.Jobs settings = config.jobs();
        if (settings.server().isEmpty()) return;
        timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "aws-jobs-broker");
                            t.setDaemon(true);
                            return t;
                        });
        engine.onReleased(r -> announce(r.deviceIds()));
        timer.execute(this::connect);
        long every = settings.sweep().toMillis();
        timer.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timer != null) timer.shutdownNow();
        MqttJobsService s = service;
        if (s != null) {
            try {
                s.close();
            } catch (Exception e) {
                LOG.debugf("jobs broker close: %s", e.getMessage());
            }
        }
    }

    void canceled(@Observes AwsJobService.ExecutionsChanged changed) {
        announce(changed.things());
    }

    /** True when the Jobs API is off or was connected and subscribed (readiness). */
    public boolean healthy() {
        return config.jobs().server().isEmpty() || service != null;
    }

    private void connect() {
        AwsSettings.Jobs settings = config.jobs();
        try {
            MqttConnectOptions options = new MqttConnectOptions();
            options.setCleanSession(true);
            options.setKeepAliveInterval(30);
            options.setUserName(settings.clientId());
            if (settings.server().get().startsWith("ssl://")) {
                options.setSocketFactory(tls(settings).getSocketFactory());
            }
            MqttJobsService s =
                    new MqttJobsService(
                            new JobsProtocolEngine(backend, Clock.systemUTC()),
                            settings.server().get(),
                            settings.clientId(),
                            options);
            try {
                s.start();
            } catch (Exception e) {
                s.close();
                throw e;
            }
            service = s;
            LOG.infof("AWS IoT Jobs API served on %s", settings.server().get());
        } catch (Exception e) {
            LOG.warnf(
                    "Jobs broker %s not reachable (retrying): %s",
                    settings.server().get(), e.getMessage());
            timer.schedule(this::connect, 2, TimeUnit.SECONDS);
        }
    }

    private void announce(Collection<String> things) {
        MqttJobsService s = service;
        if (s == null) return; // the sweep catches up once connected
        for (String thing : things) {
            if (JobsLimits.validThingName(thing)) s.executionsChanged(thing);
        }
    }

    private void sweep() {
        try {
            Instant now = Instant.now();
            Instant since = swept.minus(OVERLAP);
            announce(db.tx(c -> jobs.thingsChangedSince(c, since, now)));
            swept = now;
        } catch (RuntimeException e) {
            LOG.warnf("Jobs notify sweep failed: %s", e.getMessage());
        }
    }

    private static SSLContext tls(AwsSettings.Jobs settings) throws Exception {
        return BrokerTls.context(
                settings.caFile(), settings.clientP12(), settings.clientP12Password());
    }
}
