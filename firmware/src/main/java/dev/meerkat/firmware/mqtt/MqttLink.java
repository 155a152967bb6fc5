package dev.meerkat.firmware.mqtt;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.ScheduledExecutorPingSender;
import org.eclipse.paho.client.mqttv3.internal.NetworkModuleService;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The device's MQTT connection (Eclipse Paho): connects, subscribes, and reconnects after any loss
 * with {@link Backoff} (Paho's own automatic reconnect is off). Messages published while offline
 * wait in a bounded queue (the oldest are dropped when it is full) and are sent on reconnect.
 * Thread-safe; incoming messages are delivered on Paho's thread.
 *
 * <p>Every connection attempt is numbered and has its own Paho client and its own sockets. An
 * attempt counts as connected only once the broker has acknowledged the connection and every
 * subscription; until then it is bounded by {@link Settings#handshakeTimeoutSeconds()}: an attempt
 * whose TCP connect, TLS handshake, CONNACK or SUBACK does not arrive in time is abandoned (its
 * sockets closed, its client shut down) and the next one follows with backoff. Paho itself waits
 * for a CONNACK forever and refuses to close a connecting client, so the link hangs up the
 * attempt's sockets itself. An attempt that is no longer the current one (abandoned, superseded, or
 * the link was closed) and completes late is shut down, never adopted. {@link #close()} hangs up an
 * attempt in flight as well as an established connection.
 */
public final class MqttLink implements AutoCloseable {

    /** Default bound on one connection attempt, TCP connect to the last SUBACK. */
    public static final int DEFAULT_HANDSHAKE_TIMEOUT_SECONDS = 25;

    /** Receives messages of the subscribed topics. */
    @FunctionalInterface
    public interface Listener {
        void message(String topic, byte[] payload);
    }

    /**
     * Connection settings.
     *
     * @param handshakeTimeoutSeconds bound on one connection attempt, from the TCP connect to the
     *     acknowledgement of the last subscription (at least 1)
     */
    public record Settings(
            String serverUri,
            String clientId,
            SocketFactory socketFactory,
            int keepAliveSeconds,
            int queueMax,
            String user,
            char[] password,
            int handshakeTimeoutSeconds) {

        public Settings {
            if (handshakeTimeoutSeconds < 1) {
                throw new IllegalArgumentException(
                        "MQTT handshake timeout must be at least 1 s, not "
                                + handshakeTimeoutSeconds);
            }
        }

        /** Settings with the default handshake timeout. */
        public Settings(
                String serverUri,
                String clientId,
                SocketFactory socketFactory,
                int keepAliveSeconds,
                int queueMax,
                String user,
                char[] password) {
            this(
                    serverUri,
                    clientId,
                    socketFactory,
                    keepAliveSeconds,
                    queueMax,
                    user,
                    password,
                    DEFAULT_HANDSHAKE_TIMEOUT_SECONDS);
        }
    }

    private record Pending(String topic, byte[] payload, int qos) {}

    /** One connection attempt: its own client and the sockets its client opened. */
    private final class Attempt {
        final long number;
        final MqttAsyncClient client;
        private final List<Socket> sockets = new ArrayList<>();
        private boolean hungUp;
        ScheduledFuture<?> deadline;

        Attempt(long number) throws MqttException {
            this.number = number;
            // keep-alive pings run on the shared scheduler instead of a timer thread per connection
            this.client =
                    new MqttAsyncClient(
                            settings.serverUri(),
                            settings.clientId(),
                            new MemoryPersistence(),
                            new ScheduledExecutorPingSender(scheduler),
                            null);
        }

        /** Records a socket the client opened; one opened after the hang-up is closed at once. */
        void opened(Socket s) {
            boolean late;
            synchronized (this) {
                late = hungUp;
                if (!late) {
                    sockets.add(s);
                }
            }
            if (late) {
                closeQuietly(s);
            }
        }

        /** Closes the attempt's sockets: whatever Paho is blocked in fails at once. */
        void hangUp() {
            List<Socket> open;
            synchronized (this) {
                hungUp = true;
                open = new ArrayList<>(sockets);
                sockets.clear();
            }
            for (Socket s : open) {
                closeQuietly(s);
            }
        }

        /** Hangs up, then shuts the Paho client down (its threads end with the sockets). */
        void dispose() {
            hangUp();
            try {
                client.disconnectForcibly(0, 100, false);
            } catch (MqttException | RuntimeException e) {
                // nothing left to disconnect
            }
            try {
                client.close(true);
            } catch (MqttException | RuntimeException e) {
                // still shutting down after the hang-up: nothing holds on to it any more
            }
        }

        @Override
        public String toString() {
            return "attempt " + number;
        }
    }

    private final Settings settings;
    private final Backoff backoff;
    private final ScheduledExecutorService scheduler;
    private final List<String> subscriptions;
    private final Listener listener;
    private final Deque<Pending> queue = new ArrayDeque<>();
    private volatile boolean closed;
    private volatile boolean connected;

    /** The attempt in flight or the established connection; null between attempts. */
    private Attempt current;

    private long attempts;
    private long abandoned;
    private long dropped;
    private long connects;

    public MqttLink(
            Settings settings,
            Backoff backoff,
            ScheduledExecutorService scheduler,
            List<String> subscriptions,
            Listener listener) {
        // a bad server URI fails here, once, rather than on every attempt
        NetworkModuleService.validateURI(settings.serverUri());
        this.settings = settings;
        this.backoff = backoff;
        this.scheduler = scheduler;
        this.subscriptions = List.copyOf(subscriptions);
        this.listener = listener;
    }

    /** Starts connecting (returns at once). */
    public void start() {
        connect();
    }

    private void connect() {
        Attempt a;
        synchronized (this) {
            if (closed || current != null) {
                return;
            }
            try {
                a = new Attempt(++attempts);
            } catch (MqttException | IllegalArgumentException e) {
                // the URI was validated in the constructor: nothing else makes Paho refuse
                scheduleReconnect();
                return;
            }
            current = a;
            a.deadline = schedule(() -> fail(a, true), settings.handshakeTimeoutSeconds() * 1000L);
        }
        a.client.setCallback(
                new MqttCallback() {
                    @Override
                    public void connectionLost(Throwable cause) {
                        fail(a, false);
                    }

                    @Override
                    public void messageArrived(String topic, MqttMessage message) {
                        if (isCurrent(a)) {
                            listener.message(topic, message.getPayload());
                        }
                    }

                    @Override
                    public void deliveryComplete(IMqttDeliveryToken token) {}
                });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval(settings.keepAliveSeconds());
        // bounds Paho's own TCP connect and TLS handshake; the CONNACK is bounded by the deadline
        o.setConnectionTimeout(settings.handshakeTimeoutSeconds());
        o.setMaxInflight(1000);
        o.setSocketFactory(trackingFactory(a));
        if (settings.user() != null && !settings.user().isEmpty()) {
            o.setUserName(settings.user());
            o.setPassword(settings.password());
        }
        try {
            a.client.connect(
                    o,
                    null,
                    new IMqttActionListener() {
                        @Override
                        public void onSuccess(IMqttToken t) {
                            subscribe(a);
                        }

                        @Override
                        public void onFailure(IMqttToken t, Throwable e) {
                            fail(a, false);
                        }
                    });
        } catch (MqttException | RuntimeException e) {
            fail(a, false);
        }
    }

    /** After the CONNACK: subscribe, without blocking Paho's callback thread. */
    private void subscribe(Attempt a) {
        if (!isCurrent(a)) {
            discard(a);
            return;
        }
        if (subscriptions.isEmpty()) {
            established(a);
            return;
        }
        int[] qos = new int[subscriptions.size()];
        Arrays.fill(qos, 1);
        try {
            a.client.subscribe(
                    subscriptions.toArray(new String[0]),
                    qos,
                    null,
                    new IMqttActionListener() {
                        @Override
                        public void onSuccess(IMqttToken t) {
                            int[] granted = t.getGrantedQos();
                            for (int g : granted == null ? new int[0] : granted) {
                                if (g == 0x80) {
                                    fail(a, false);
                                    return;
                                }
                            }
                            established(a);
                        }

                        @Override
                        public void onFailure(IMqttToken t, Throwable e) {
                            fail(a, false);
                        }
                    });
        } catch (MqttException | RuntimeException e) {
            fail(a, false);
        }
    }

    private void established(Attempt a) {
        synchronized (this) {
            if (current != a || closed) {
                a = null;
            } else {
                cancelDeadline(current);
                connected = true;
                connects++;
            }
        }
        if (a == null) {
            return;
        }
        backoff.reset();
        flush();
    }

    /**
     * Ends an attempt that failed, timed out or lost its connection. For the current attempt the
     * link goes back to disconnected and schedules the next one; a stale attempt is only shut down.
     */
    private void fail(Attempt a, boolean timedOut) {
        boolean wasCurrent;
        synchronized (this) {
            wasCurrent = current == a;
            if (wasCurrent) {
                current = null;
                connected = false;
                cancelDeadline(a);
                if (timedOut) {
                    abandoned++;
                }
            }
        }
        discard(a);
        if (wasCurrent) {
            scheduleReconnect();
        }
    }

    /** Shuts an attempt's client down off Paho's threads (Paho must not be closed from them). */
    private void discard(Attempt a) {
        a.hangUp();
        try {
            scheduler.execute(a::dispose);
        } catch (RejectedExecutionException e) {
            // the scheduler is shutting down: the hang-up already ends the client's threads
        }
    }

    private synchronized boolean isCurrent(Attempt a) {
        return current == a && !closed;
    }

    private static void cancelDeadline(Attempt a) {
        if (a.deadline != null) {
            a.deadline.cancel(false);
        }
    }

    private ScheduledFuture<?> schedule(Runnable r, long delayMillis) {
        try {
            return scheduler.schedule(r, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null; // shutting down
        }
    }

    private void scheduleReconnect() {
        if (closed) {
            return;
        }
        schedule(this::connect, backoff.nextDelayMillis());
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
            MqttAsyncClient client;
            synchronized (this) {
                if (!connected || current == null) {
                    return;
                }
                client = current.client;
                p = queue.pollFirst();
            }
            if (p == null) {
                return;
            }
            try {
                client.publish(p.topic(), p.payload(), p.qos(), false);
            } catch (MqttException | RuntimeException e) {
                // the connection is going: the message waits for the next one
                synchronized (this) {
                    queue.addFirst(p);
                }
                return;
            }
        }
    }

    /** Connected: the broker acknowledged the connection and every subscription. */
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

    /** Connection attempts started so far. */
    public synchronized long attempts() {
        return attempts;
    }

    /** Attempts abandoned because their handshake did not finish in time. */
    public synchronized long abandoned() {
        return abandoned;
    }

    /** Drops the connection as a network failure would (the link reconnects by itself). */
    public void simulateDrop() {
        Attempt a;
        synchronized (this) {
            a = current;
        }
        if (a != null) {
            fail(a, false);
        }
    }

    /**
     * Closes the link: no further attempts; the established connection or the attempt in flight is
     * hung up at once (its sockets closed) and its client shut down.
     */
    @Override
    public void close() {
        Attempt a;
        synchronized (this) {
            closed = true;
            connected = false;
            a = current;
            current = null;
            if (a != null) {
                cancelDeadline(a);
            }
        }
        if (a != null) {
            a.hangUp();
            a.dispose();
        }
    }

    // ------------------------------------------------------------------ socket tracking

    private SocketFactory trackingFactory(Attempt a) {
        SocketFactory base = settings.socketFactory();
        String uri = settings.serverUri();
        boolean tls = uri.startsWith("ssl://") || uri.startsWith("wss://");
        if (tls) {
            SSLSocketFactory ssl =
                    base instanceof SSLSocketFactory s
                            ? s
                            : (SSLSocketFactory) SSLSocketFactory.getDefault();
            return new TrackingSslFactory(ssl, a);
        }
        return new TrackingFactory(base == null ? SocketFactory.getDefault() : base, a);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException | RuntimeException e) {
            // closed anyway
        }
    }

    private static final class TrackingFactory extends SocketFactory {
        private final SocketFactory delegate;
        private final Attempt attempt;

        TrackingFactory(SocketFactory delegate, Attempt attempt) {
            this.delegate = delegate;
            this.attempt = attempt;
        }

        private Socket track(Socket s) {
            attempt.opened(s);
            return s;
        }

        @Override
        public Socket createSocket() throws IOException {
            return track(delegate.createSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return track(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress local, int localPort)
                throws IOException {
            return track(delegate.createSocket(host, port, local, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return track(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort)
                throws IOException {
            return track(delegate.createSocket(host, port, local, localPort));
        }
    }

    private static final class TrackingSslFactory extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        private final Attempt attempt;

        TrackingSslFactory(SSLSocketFactory delegate, Attempt attempt) {
            this.delegate = delegate;
            this.attempt = attempt;
        }

        private Socket track(Socket s) {
            attempt.opened(s);
            return s;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return track(delegate.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose)
                throws IOException {
            attempt.opened(s);
            return track(delegate.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return track(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress local, int localPort)
                throws IOException {
            return track(delegate.createSocket(host, port, local, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return track(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort)
                throws IOException {
            return track(delegate.createSocket(host, port, local, localPort));
        }
    }
}
