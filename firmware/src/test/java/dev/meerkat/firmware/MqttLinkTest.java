package dev.meerkat.firmware;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.firmware.mqtt.Backoff;
import dev.meerkat.firmware.mqtt.MqttLink;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MqttLink} against a real Mosquitto (mutual TLS) reached through a front in the test that
 * accepts the device's first connections, completes their TLS handshake, reads their CONNECT and
 * never answers it (a broker that hangs before its CONNACK), and passes later connections through
 * to Mosquitto byte for byte.
 */
class MqttLinkTest {

    /** Bound on waiting for something that must happen; a hang fails the test instead of it. */
    private static final long WAIT_SECONDS = 60;

    @TempDir Path tmp;

    private TestPki pki;
    private Mosquitto broker;
    private ScheduledExecutorService scheduler;
    private MqttClient cloud;

    @BeforeEach
    void broker() throws Exception {
        pki = new TestPki();
        broker = new Mosquitto(pki, Files.createDirectory(tmp.resolve("broker")));
        scheduler =
                Executors.newScheduledThreadPool(
                        2,
                        r -> {
                            Thread t = new Thread(r, "link-test-scheduler");
                            t.setDaemon(true);
                            return t;
                        });
        cloud = new MqttClient(broker.uri(), "cloud", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setSocketFactory(pki.clientTls(pki.issue("cloud", false)).getSocketFactory());
        cloud.connect(o);
    }

    @AfterEach
    void stop() throws Exception {
        if (cloud.isConnected()) {
            cloud.disconnect();
        }
        cloud.close();
        scheduler.shutdownNow();
        broker.close();
    }

    @Test
    void anAttemptWithoutConnackIsAbandonedAndTheNextOneSubscribesAndPublishes() throws Exception {
        BlockingQueue<String> fromDevice = new LinkedBlockingQueue<>();
        cloud.subscribe(
                "dev-link/ota",
                (t, m) -> fromDevice.add(new String(m.getPayload(), StandardCharsets.UTF_8)));
        BlockingQueue<String> toDevice = new LinkedBlockingQueue<>();
        try (Front front = new Front(broker.port, 1, serverTls());
                MqttLink link = link(front, "dev-link", 2, toDevice)) {
            link.publish("dev-link/ota", bytes("queued while offline"), 1);
            link.start();

            // the first attempt reached "CONNECT sent": only the handshake bound ends it
            Front.Stalled first = front.stalled.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(first).as("the device never reached the front").isNotNull();
            assertThat(first.connectRead.await(WAIT_SECONDS, TimeUnit.SECONDS))
                    .as("the first attempt sent its CONNECT")
                    .isTrue();
            assertThat(first.hungUp.await(WAIT_SECONDS, TimeUnit.SECONDS))
                    .as("the attempt that got no CONNACK was hung up")
                    .isTrue();
            assertThat(awaitConnected(link))
                    .as("the link connected after the stalled one")
                    .isTrue();
            assertThat(front.accepted.get()).isGreaterThanOrEqualTo(2);
            assertThat(link.abandoned()).isEqualTo(1);

            // the subscription is in place and the queued and new publishes arrive
            assertThat(fromDevice.poll(WAIT_SECONDS, TimeUnit.SECONDS))
                    .isEqualTo("queued while offline");
            link.publish("dev-link/ota", bytes("online"), 1);
            assertThat(fromDevice.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("online");
            cloud.publish("dev-link/rpc", bytes("to the device"), 1, false);
            assertThat(toDevice.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("to the device");

            // after a drop the next connection subscribes again
            long before = link.connects();
            link.simulateDrop();
            assertThat(awaitConnects(link, before + 1)).isTrue();
            cloud.publish("dev-link/rpc", bytes("after the drop"), 1, false);
            assertThat(toDevice.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("after the drop");
        }
    }

    @Test
    void closeDuringAConnectWithoutConnackHangsItUpAndLeavesNoClientThread() throws Exception {
        String id = "dev-close-" + Long.toHexString(System.nanoTime());
        try (Front front = new Front(broker.port, Integer.MAX_VALUE, serverTls())) {
            // a handshake bound far beyond the test: only close() can end the attempt
            MqttLink link = link(front, id, 3600, new LinkedBlockingQueue<>());
            link.start();
            Front.Stalled first = front.stalled.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(first).as("the device never reached the front").isNotNull();
            assertThat(first.connectRead.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();

            CompletableFuture<Void> closing = CompletableFuture.runAsync(link::close);
            closing.get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(first.hungUp.await(WAIT_SECONDS, TimeUnit.SECONDS))
                    .as("close() hung up the connection waiting for its CONNACK")
                    .isTrue();
            assertThat(awaitNoClientThreads(id))
                    .as("Paho threads of " + id + " still running: " + clientThreads(id))
                    .isTrue();
            assertThat(link.isConnected()).isFalse();
            // closed for good: no attempt follows
            assertThat(front.accepted.get()).isEqualTo(1);
        }
    }

    // ---------------------------------------------------------------- helpers

    private MqttLink link(Front front, String id, int handshakeSeconds, BlockingQueue<String> in)
            throws Exception {
        SSLContext tls = pki.clientTls(pki.issue(id, false));
        return new MqttLink(
                new MqttLink.Settings(
                        "ssl://127.0.0.1:" + front.port(),
                        id,
                        tls.getSocketFactory(),
                        30,
                        16,
                        "",
                        new char[0],
                        handshakeSeconds),
                new Backoff(100, 500, new Random(1)),
                scheduler,
                List.of(id + "/rpc"),
                (topic, payload) -> in.add(new String(payload, StandardCharsets.UTF_8)));
    }

    private SSLContext serverTls() throws Exception {
        // the same kind of certificate Mosquitto presents: CN localhost, SAN 127.0.0.1
        return pki.clientTls(pki.issue("localhost", true));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static boolean awaitConnected(MqttLink link) throws InterruptedException {
        return awaitConnects(link, 1);
    }

    private static boolean awaitConnects(MqttLink link, long n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (System.nanoTime() < end) {
            if (link.isConnected() && link.connects() >= n) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    private static List<String> clientThreads(String clientId) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("MQTT ") && n.endsWith(": " + clientId))
                .toList();
    }

    private static boolean awaitNoClientThreads(String clientId) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (System.nanoTime() < end) {
            if (clientThreads(clientId).isEmpty()) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /**
     * A listener in front of Mosquitto: its first {@code stallFirst} connections get a TLS server
     * that reads the CONNECT and never answers; later ones are piped to the broker unchanged.
     */
    static final class Front implements AutoCloseable {

        /** A connection held before its CONNACK. */
        static final class Stalled {
            final CountDownLatch connectRead = new CountDownLatch(1);
            final CountDownLatch hungUp = new CountDownLatch(1);
        }

        final AtomicInteger accepted = new AtomicInteger();
        final BlockingQueue<Stalled> stalled = new LinkedBlockingQueue<>();
        private final ServerSocket server;
        private final int brokerPort;
        private final int stallFirst;
        private final SSLContext tls;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final ExecutorService threads =
                Executors.newCachedThreadPool(
                        r -> {
                            Thread t = new Thread(r, "link-test-front");
                            t.setDaemon(true);
                            return t;
                        });

        Front(int brokerPort, int stallFirst, SSLContext tls) throws IOException {
            this.brokerPort = brokerPort;
            this.stallFirst = stallFirst;
            this.tls = tls;
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            threads.execute(this::acceptLoop);
        }

        int port() {
            return server.getLocalPort();
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException closed) {
                    return;
                }
                sockets.add(s);
                if (accepted.incrementAndGet() <= stallFirst) {
                    Stalled st = new Stalled();
                    stalled.add(st);
                    threads.execute(() -> stall(s, st));
                } else {
                    threads.execute(() -> pipe(s));
                }
            }
        }

        private void stall(Socket raw, Stalled st) {
            try {
                SSLSocket s =
                        (SSLSocket)
                                tls.getSocketFactory()
                                        .createSocket(
                                                raw,
                                                raw.getInetAddress().getHostAddress(),
                                                raw.getPort(),
                                                true);
                s.setUseClientMode(false);
                s.setWantClientAuth(true);
                s.startHandshake();
                InputStream in = s.getInputStream();
                int type = in.read();
                if (type == 0x10) { // MQTT CONNECT
                    st.connectRead.countDown();
                }
                // never answer; wait for the client to give up
                while (in.read() >= 0) {
                    // discard
                }
            } catch (IOException e) {
                // the client closed or reset the connection
            } finally {
                st.hungUp.countDown();
            }
        }

        private void pipe(Socket client) {
            Socket up;
            try {
                up = new Socket(InetAddress.getLoopbackAddress(), brokerPort);
            } catch (IOException e) {
                close(client);
                return;
            }
            sockets.add(up);
            threads.execute(() -> copy(client, up));
            copy(up, client);
        }

        private static void copy(Socket from, Socket to) {
            byte[] buf = new byte[16384];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side went away
            } finally {
                close(from);
                close(to);
            }
        }

        private static void close(Socket s) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closed anyway
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                close(s);
            }
            threads.shutdownNow();
        }
    }
}
