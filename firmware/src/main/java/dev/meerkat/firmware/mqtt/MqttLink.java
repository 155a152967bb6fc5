package dev.meerkat.firmware.mqtt;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.ScheduledExecutorPingSender;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The device's MQTT connection (Eclipse Paho): connects, subscribes, and reconnects after any loss
 * with {@link Backoff} (Paho's own automatic reconnect is off). Messages published while offline
 * wait in a bounded queue (the oldest are dropped when it is full) and are sent on reconnect.
 * Thread-safe; incoming messages are delivered on Paho's thread.
 */
public final class MqttLink implements AutoCloseable {

    /** Receives messages of the subscribed topics. */
    @FunctionalInterface
    public interface Listener {
        void message(String topic, byte[] payload);
    }

    /** Connection settings. */
    public record Settings(
            String serverUri,
            String clientId,
            SocketFactory socketFactory,
            int keepAliveSeconds,
            int queueMax,
            String user,
            char[] password) {}

    private record Pending(String topic, byte[] payload, int qos) {}

    private final Settings settings;
    private final Backoff backoff;
    private final ScheduledExecutorService scheduler;
    private final List<String> subscriptions;
    private final Listener listener;
    private final Deque<Pending> queue = new ArrayDeque<>();
    private final MqttAsyncClient client;
    private volatile boolean closed;
    private volatile boolean connected;
    private boolean connecting;
    private long dropped;
    private long connects;

    public MqttLink(
            Settings settings,
            Backoff backoff,
            ScheduledExecutorService scheduler,
            List<String> subscriptions,
            Listener listener)
            throws MqttException {
        this.settings = settings;
        this.backoff = backoff;
        this.scheduler = scheduler;
        this.subscriptions = List.copyOf(subscriptions);
        this.listener = listener;
        // keep-alive pings run on the shared scheduler instead of a timer thread per connection
        this.client =
                new MqttAsyncClient(
                        settings.serverUri(),
                        settings.clientId(),
                        new MemoryPersistence(),
                        new ScheduledExecutorPingSender(scheduler),
                        null);
        client.setCallback(
                new MqttCallbackExtended() {
                    @Override
                    public void connectComplete(boolean reconnect, String serverURI) {}

                    @Override
                    public void connectionLost(Throwable cause) {
                        connected = false;
                        scheduleReconnect();
                    }

                    @Override
                    public void messageArrived(String topic, MqttMessage message) {
                        listener.message(topic, message.getPayload());
                    }

                    @Override
                    public void deliveryComplete(IMqttDeliveryToken token) {}
                });
    }

    /** Starts connecting (returns at once). */
    public void start() {
        connect();
    }

    private void connect() {
        synchronized (this) {
            if (closed || connecting || connected) {
                return;
            }
            connecting = true;
        }
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval(settings.keepAliveSeconds());
        o.setConnectionTimeout(10);
        o.setMaxInflight(1000);
        if (settings.socketFactory() != null) {
            o.setSocketFactory(settings.socketFactory());
        }
        if (settings.user() != null && !settings.user().isEmpty()) {
            o.setUserName(settings.user());
            o.setPassword(settings.password());
        }
        try {
            client.connect(
                    o,
                    null,
                    new IMqttActionListener() {
                        @Override
                        public void onSuccess(IMqttToken t) {
                            onConnected();
                        }

                        @Override
                        public void onFailure(IMqttToken t, Throwable e) {
                            synchronized (MqttLink.this) {
                                connecting = false;
                            }
                            scheduleReconnect();
                        }
                    });
        } catch (MqttException e) {
            synchronized (this) {
                connecting = false;
            }
            scheduleReconnect();
        }
    }

    private void onConnected() {
        try {
            if (!subscriptions.isEmpty()) {
                int[] qos = new int[subscriptions.size()];
                java.util.Arrays.fill(qos, 1);
                client.subscribe(subscriptions.toArray(new String[0]), qos)
                        .waitForCompletion(10_000);
            }
        } catch (MqttException e) {
            synchronized (this) {
                connecting = false;
            }
            try {
                client.disconnectForcibly(0, 1000, false);
            } catch (MqttException ignored) {
                // already gone
            }
            scheduleReconnect();
            return;
        }
        synchronized (this) {
            connecting = false;
            connected = true;
            connects++;
        }
        backoff.reset();
        flush();
    }

    private void scheduleReconnect() {
        if (closed) {
            return;
        }
        long delay = backoff.nextDelayMillis();
        try {
            scheduler.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down
        }
    }

    /** Publishes now when connected, else queues (bounded, oldest dropped first). */
    public void publish(String topic, byte[] payload, int qos) {
        enqueue(new Pending(topic, payload, qos));
        flush();
    }

    private synchronized void enqueue(Pending p) {
        while (queue.size() >= settings.queueMax()) {
            queue.pollFirst();
            dropped++;
        }
        queue.addLast(p);
    }

    private void flush() {
        while (true) {
            Pending p;
            synchronized (this) {
                if (!connected) {
                    return;
                }
                p = queue.pollFirst();
            }
            if (p == null) {
                return;
            }
            if (!send(p)) {
                return;
            }
        }
    }

    private boolean send(Pending p) {
        try {
            client.publish(p.topic(), p.payload(), p.qos(), false);
            return true;
        } catch (MqttException e) {
            synchronized (this) {
                queue.addFirst(p);
            }
            return false;
        }
    }

    public boolean isConnected() {
        return connected;
    }

    /** Messages waiting for the connection. */
    public synchronized int queued() {
        return queue.size();
    }

    /** Messages dropped because the offline queue was full. */
    public synchronized long dropped() {
        return dropped;
    }

    /** Successful connections so far. */
    public synchronized long connects() {
        return connects;
    }

    /** Drops the connection as a network failure would (the link reconnects by itself). */
    public void simulateDrop() {
        try {
            connected = false;
            client.disconnectForcibly(0, 100, false);
        } catch (MqttException e) {
            // nothing to drop
        }
        scheduleReconnect();
    }

    @Override
    public void close() {
        closed = true;
        connected = false;
        try {
            if (client.isConnected()) {
                client.disconnectForcibly(0, 500, false);
            }
        } catch (MqttException e) {
            // closing anyway
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            // closing anyway
        }
    }
}
