package dev.meerkat.cloud.aws.broker;

import dev.meerkat.cloud.aws.jobs.JobsTopic;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Runs a {@link JobsProtocolEngine} on one MQTT connection to the broker the devices use. It
 * subscribes to the four request filters under {@code $aws/things/+/jobs/} (not {@code #}, so its
 * own answers are not echoed back to it), handles each thing's messages in arrival order on one of
 * a few lanes, and publishes answers and events at QoS 1. The broker's ACL must give this client
 * read on the request topics and write on the answer topics of every thing, and each thing only its
 * own.
 */
public final class MqttJobsService implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(MqttJobsService.class.getName());
    private static final int LANES = 4;
    private static final long TIMEOUT_MS = 20_000;

    private final JobsProtocolEngine engine;
    private final MqttAsyncClient client;
    private final MqttConnectOptions options;
    private final ExecutorService[] lanes = new ExecutorService[LANES];

    /**
     * @param serverUri for example {@code ssl://broker:8883}
     * @param options connect options with credentials / TLS socket factory; automatic reconnect is
     *     switched on here and subscriptions are renewed after each reconnect
     */
    public MqttJobsService(
            JobsProtocolEngine engine,
            String serverUri,
            String clientId,
            MqttConnectOptions options)
            throws MqttException {
        this.engine = engine;
        this.options = options;
        options.setAutomaticReconnect(true);
        options.setMaxInflight(1000);
        this.client = new MqttAsyncClient(serverUri, clientId, new MemoryPersistence());
        for (int i = 0; i < LANES; i++) {
            lanes[i] =
                    Executors.newSingleThreadExecutor(
                            r -> {
                                Thread t = new Thread(r, "aws-jobs-lane");
                                t.setDaemon(true);
                                return t;
                            });
        }
        client.setCallback(
                new MqttCallbackExtended() {
                    @Override
                    public void connectComplete(boolean reconnect, String uri) {
                        if (reconnect) {
                            try {
                                subscribe();
                            } catch (MqttException e) {
                                LOG.log(
                                        Level.WARNING,
                                        "jobs: resubscribe after reconnect failed",
                                        e);
                            }
                        }
                    }

                    @Override
                    public void connectionLost(Throwable cause) {
                        LOG.log(Level.WARNING, "jobs: broker connection lost, reconnecting", cause);
                    }

                    @Override
                    public void messageArrived(String topic, MqttMessage message) {
                        byte[] payload = message.getPayload();
                        JobsTopic.parse(topic)
                                .ifPresent(
                                        t ->
                                                laneOf(t.thingName())
                                                        .execute(
                                                                () ->
                                                                        publish(
                                                                                engine.onMessage(
                                                                                        topic,
                                                                                        payload))));
                    }

                    @Override
                    public void deliveryComplete(IMqttDeliveryToken token) {}
                });
    }

    /** Connects and subscribes; returns once the broker has granted the subscriptions. */
    public void start() throws MqttException {
        client.connect(options).waitForCompletion(TIMEOUT_MS);
        subscribe();
    }

    /**
     * Publishes the notify / notify-next events due after the service changed a thing's executions.
     */
    public void executionsChanged(String thingName) {
        laneOf(thingName).execute(() -> publish(engine.onExecutionsChanged(thingName)));
    }

    private void subscribe() throws MqttException {
        String[] filters = JobsTopic.requestFilters();
        int[] qos = new int[filters.length];
        java.util.Arrays.fill(qos, 1);
        client.subscribe(filters, qos).waitForCompletion(TIMEOUT_MS);
    }

    private ExecutorService laneOf(String thingName) {
        return lanes[Math.floorMod(thingName.hashCode(), LANES)];
    }

    private void publish(List<OutgoingMessage> messages) {
        for (OutgoingMessage m : messages) {
            try {
                MqttMessage message = new MqttMessage(m.payload());
                message.setQos(1);
                client.publish(m.topic(), message);
            } catch (MqttException e) {
                LOG.log(Level.WARNING, "jobs: could not publish to " + m.topic(), e);
            }
        }
    }

    @Override
    public void close() throws MqttException, InterruptedException {
        for (ExecutorService lane : lanes) {
            lane.shutdown();
        }
        for (ExecutorService lane : lanes) {
            lane.awaitTermination(5, TimeUnit.SECONDS);
        }
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(TIMEOUT_MS);
            }
        } finally {
            client.close();
        }
    }
}
