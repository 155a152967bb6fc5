package dev.meerkat.fleet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.fleet.FleetConfig;
import dev.meerkat.fleet.deploy.DeviceReport;
import dev.meerkat.fleet.deploy.Execution;
import dev.meerkat.fleet.deploy.ExecutionService;
import dev.meerkat.fleet.deploy.ExecutionState;
import dev.meerkat.fleet.deploy.RolloutEngine;
import dev.meerkat.fleet.refusal.Refusal;
import dev.meerkat.fleet.release.DownloadLinks;
import dev.meerkat.fleet.security.Caller;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.jboss.logging.Logger;

/**
 * Mongoose mg_rpc over MQTT, as Meerkat firmware speaks it: an {@code OTA.Update} frame {@code
 * {"id", "src":"fleet/<device>", "method":"OTA.Update", "args":{"url", "commit_timeout"}}} to
 * {@code <device>/rpc}; the device answers on {@code <src>/rpc}, so each device replies on a topic
 * of its own ({@code fleet/<device>/rpc}) that a broker ACL can reserve to it. Progress and the
 * outcome come on {@code <device>/ota} ({@code downloading}, …, {@code committed}, {@code
 * rolled_back} with the bootloader's reason, {@code failed}). Replicas consume both through the
 * shared subscription group {@code $share/<group>/…}, so each report is handled once. A released
 * execution whose device did not react within {@code resend-after} is sent again (the frame id is
 * the action id, so a late reply still finds its execution); devices are told at least once. A
 * started execution nothing was heard of for {@code resend-after} is reconciled: its device is
 * asked {@code OTA.Status}, whose reply carries the result of its last update (an outcome whose
 * event was lost, e.g. with a replica that died before applying it, is applied then).
 */
@ApplicationScoped
public class MqttTransport {
    private static final Logger LOG = Logger.getLogger(MqttTransport.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String PROTOCOL = "mqtt";
    static final String REPLIES = "fleet";

    @Inject FleetConfig config;

    @Inject RolloutEngine engine;

    @Inject ExecutionService executions;

    @Inject DownloadLinks links;

    // asynchronous: an OTA.Update publish does not wait for the broker's PUBACK, so notifying a
    // phase of thousands of devices is not thousands of round trips
    private volatile MqttAsyncClient client;
    private ScheduledExecutorService timer;

    /** Device reports, partitioned by device so each device's events are applied in order. */
    private List<java.util.concurrent.BlockingQueue<Incoming>> partitions = List.of();

    private List<Thread> workers = List.of();

    /** A message from a device, as it arrived. */
    private record Incoming(String topic, byte[] payload) {}

    /** At most this many reports are applied in one transaction. */
    static final int BATCH = 256;

    void start(@Observes StartupEvent ev) {
        Optional<String> server = config.mqtt().server();
        if (server.isEmpty()) return;
        timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "mqtt-transport");
                            t.setDaemon(true);
                            return t;
                        });
        engine.onReleased(r -> timer.execute(() -> notify(r.deploymentId(), r.deviceIds())));
        int n = Math.max(1, config.mqtt().workers());
        List<java.util.concurrent.BlockingQueue<Incoming>> qs = new java.util.ArrayList<>();
        List<Thread> ts = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            java.util.concurrent.BlockingQueue<Incoming> q =
                    new java.util.concurrent.LinkedBlockingQueue<>();
            qs.add(q);
            Thread t = new Thread(() -> drain(q), "mqtt-reports-" + i);
            t.setDaemon(true);
            ts.add(t);
        }
        partitions = List.copyOf(qs);
        workers = List.copyOf(ts);
        workers.forEach(Thread::start);
        timer.execute(this::connect);
        long every = Math.max(1, config.mqtt().resendAfter().toMillis() / 2);
        timer.scheduleWithFixedDelay(this::resend, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timer != null) timer.shutdownNow();
        workers.forEach(Thread::interrupt);
        MqttAsyncClient c = client;
        if (c != null) {
            try {
                c.disconnectForcibly(500);
                c.close(true);
            } catch (MqttException ignored) {
                // shutting down
            }
        }
    }

    /** True when MQTT is off or connected (readiness). */
    public boolean healthy() {
        return config.mqtt().server().isEmpty() || (client != null && client.isConnected());
    }

    private void connect() {
        try {
            MqttAsyncClient c =
                    new MqttAsyncClient(
                            config.mqtt().server().orElseThrow(),
                            "fleet-service-" + java.util.UUID.randomUUID(),
                            new MemoryPersistence());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(true);
            o.setAutomaticReconnect(true);
            o.setMaxInflight(10_000);
            o.setKeepAliveInterval(30);
            o.setUserName(config.mqtt().username());
            if (config.mqtt().server().get().startsWith("ssl://"))
                o.setSocketFactory(tls().getSocketFactory());
            c.setCallback(
                    new MqttCallbackExtended() {
                        @Override
                        public void connectComplete(boolean reconnect, String uri) {
                            subscribe(c);
                        }

                        @Override
                        public void connectionLost(Throwable cause) {
                            LOG.warnf(
                                    "MQTT connection lost (reconnecting): %s", cause.getMessage());
                        }

                        @Override
                        public void messageArrived(String topic, MqttMessage message) {
                            enqueue(topic, message.getPayload());
                        }

                        @Override
                        public void deliveryComplete(IMqttDeliveryToken token) {}
                    });
            c.connect(o).waitForCompletion(30_000);
            client = c;
            subscribe(c);
        } catch (Exception e) {
            LOG.warnf(
                    "MQTT broker %s not reachable (retrying): %s",
                    config.mqtt().server().get(), e.getMessage());
            timer.schedule(this::connect, 2, TimeUnit.SECONDS);
        }
    }

    private void subscribe(MqttAsyncClient c) {
        String group =
                config.mqtt().sharedSubscription()
                        ? "$share/" + config.mqtt().shareGroup() + "/"
                        : "";
        try {
            c.subscribe(
                    new String[] {group + "+/ota", group + REPLIES + "/+/rpc"}, new int[] {1, 1});
        } catch (MqttException e) {
            LOG.warnf("MQTT subscribe failed: %s", e.getMessage());
        }
    }

    private void notify(String deploymentId, List<String> deviceIds) {
        for (ExecutionService.Work w : executions.releasedWork(deploymentId, deviceIds, PROTOCOL))
            send(w);
    }

    private void resend() {
        try {
            for (ExecutionService.Work w :
                    executions.resendable(PROTOCOL, config.mqtt().resendAfter(), 500)) send(w);
            for (ExecutionService.Work w :
                    executions.silent(PROTOCOL, config.mqtt().resendAfter(), 500)) ask(w);
        } catch (RuntimeException e) {
            LOG.warnf("MQTT resend sweep failed: %s", e.getMessage());
        }
    }

    private void send(ExecutionService.Work w) {
        ObjectNode f = frame(w, "OTA.Update");
        f.putObject("args")
                .put("url", links.urlFor(w.release()).toString())
                .put("commit_timeout", 0);
        publish(w, f);
    }

    /** Asks the device of a started execution how its update went (answered on its reply topic). */
    private void ask(ExecutionService.Work w) {
        publish(w, frame(w, "OTA.Status"));
    }

    private static ObjectNode frame(ExecutionService.Work w, String method) {
        ObjectNode f = JSON.createObjectNode();
        f.put("id", w.execution().actionId());
        f.put("src", REPLIES + "/" + w.execution().deviceId());
        f.put("method", method);
        return f;
    }

    private void publish(ExecutionService.Work w, ObjectNode f) {
        MqttAsyncClient c = client;
        if (c == null || !c.isConnected()) return; // the sweep tries again
        try {
            byte[] frame = JSON.writeValueAsBytes(f);
            for (int tries = 0; ; tries++) {
                try {
                    c.publish(w.execution().deviceId() + "/rpc", frame, 1, false);
                    break;
                } catch (MqttException e) {
                    // as many unacknowledged publishes as the client allows: let the broker catch
                    // up
                    if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT || tries >= 200)
                        throw e;
                    Thread.sleep(10);
                }
            }
        } catch (Exception e) {
            LOG.warnf(
                    "%s to %s not sent (will resend): %s",
                    f.path("method").asText(), w.execution().deviceId(), e.getMessage());
        }
    }

    /**
     * Routes a message to its device's partition (one device, one worker: events stay in order).
     */
    void enqueue(String topic, byte[] payload) {
        List<java.util.concurrent.BlockingQueue<Incoming>> qs = partitions;
        if (qs.isEmpty()) {
            handle(topic, payload);
            return;
        }
        int slash = topic.indexOf('/');
        String device =
                topic.startsWith(REPLIES + "/")
                        ? topic.substring(
                                REPLIES.length() + 1,
                                Math.max(REPLIES.length() + 1, topic.lastIndexOf('/')))
                        : slash < 0 ? topic : topic.substring(0, slash);
        qs.get(Math.floorMod(device.hashCode(), qs.size())).add(new Incoming(topic, payload));
    }

    private void drain(java.util.concurrent.BlockingQueue<Incoming> q) {
        List<Incoming> batch = new java.util.ArrayList<>(BATCH);
        while (!Thread.currentThread().isInterrupted()) {
            try {
                batch.add(q.take());
            } catch (InterruptedException e) {
                return;
            }
            q.drainTo(batch, BATCH - 1);
            try {
                apply(batch);
            } catch (RuntimeException e) {
                LOG.warnf("MQTT reports not applied as a batch (one by one): %s", e.getMessage());
                for (Incoming m : batch) handle(m.topic(), m.payload());
            }
            batch.clear();
        }
    }

    /**
     * A batch of device messages: {@code <device>/ota} events in one transaction (see {@link
     * ExecutionService#applyPushEvents}); replies (rare: only refusals matter) one by one.
     */
    private void apply(List<Incoming> batch) {
        List<ExecutionService.PushEvent> events = new java.util.ArrayList<>(batch.size());
        for (Incoming m : batch) {
            String topic = m.topic();
            if (!(topic.endsWith("/ota") && topic.indexOf('/') == topic.length() - 4)) {
                handle(topic, m.payload());
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(m.payload());
            } catch (IOException e) {
                continue;
            }
            if (n == null || !n.isObject()) continue;
            String device = topic.substring(0, topic.length() - 4);
            events.add(
                    new ExecutionService.PushEvent(
                            device, n.path("running").asText(null), e -> reportFor(e, n)));
        }
        executions.applyPushEvents(events, PROTOCOL);
    }

    void handle(String topic, byte[] payload) {
        JsonNode m;
        try {
            m = JSON.readTree(payload);
        } catch (IOException e) {
            return;
        }
        if (m == null || !m.isObject()) return;
        try {
            String[] parts = topic.split("/");
            if (parts.length == 3 && parts[0].equals(REPLIES) && parts[2].equals("rpc")) {
                reply(parts[1], m);
            } else if (topic.endsWith("/ota") && topic.indexOf('/') == topic.length() - 4) {
                event(topic.substring(0, topic.length() - 4), m);
            }
        } catch (Refusal e) {
            // a stale or duplicate report (409/404): the execution already moved on
            LOG.debugf("MQTT %s: %s", topic, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warnf("MQTT %s not handled: %s", topic, e.getMessage());
        }
    }

    /**
     * A reply to a frame whose id is an action id: an error before the device started means it
     * refused the update; a status of a started one may carry its outcome.
     */
    private void reply(String device, JsonNode m) {
        if (!m.path("id").canConvertToLong()) return;
        if (!m.has("error")) {
            status(device, m.path("id").asLong(), m.path("result"));
            return;
        }
        Optional<Execution> e = executions.byAction(m.path("id").asLong());
        if (e.isEmpty()
                || !e.get().deviceId().equals(device)
                || e.get().state() != ExecutionState.QUEUED) return;
        String why = m.path("error").path("message").asText("refused");
        if (why.contains("already in progress") || why.contains("under test"))
            return; // busy with this very update
        executions.report(
                Caller.device(device),
                device,
                e.get().deploymentId(),
                new DeviceReport(
                        "REJECTED",
                        e.get().versionNumber(),
                        "mqtt: " + clip(why, DeviceReport.MAX_DETAILS),
                        null));
    }

    /** An OTA.Status (or OTA.Update) result for a started execution: its outcome, if final. */
    private void status(String device, long actionId, JsonNode status) {
        if (!status.isObject() || !status.has("phase")) return;
        Optional<ExecutionService.Work> w = executions.workByAction(device, actionId);
        if (w.isEmpty() || w.get().execution().state() != ExecutionState.IN_PROGRESS) return;
        Execution e = w.get().execution();
        DeviceReport r = statusReport(e, w.get().release().version(), status);
        if (r == null) {
            executions.heard(e);
        } else {
            executions.report(Caller.device(device), device, e.deploymentId(), r);
        }
    }

    /**
     * What a device's OTA state says about a started execution: the result of its last update, if
     * that update was this release's version and the device is idle again, read as the {@code
     * <device>/ota} event of that outcome would be ({@code committed} succeeds, {@code rolled_back}
     * and {@code failed} fail); null while the update runs or when the result is of another update.
     * The report names the execution's version, so a change in between refuses it.
     */
    static DeviceReport statusReport(Execution e, String releaseVersion, JsonNode status) {
        if (!status.path("phase").asText("").equals("idle")) return null;
        JsonNode result = status.path("result");
        if (!result.isObject() || !result.path("version").asText("").equals(releaseVersion))
            return null;
        DeviceReport r = reportFor(e, result);
        if (r == null || !(r.status().equals("SUCCEEDED") || r.status().equals("FAILED")))
            return null;
        return new DeviceReport(
                r.status(), e.versionNumber(), r.statusDetails() + " (status)", r.rollbackReason());
    }

    private void event(String device, JsonNode m) {
        Optional<ExecutionService.Work> w =
                executions.next(device, m.path("running").asText(null), null, PROTOCOL);
        if (w.isEmpty()) return;
        Execution e = w.get().execution();
        DeviceReport r = reportFor(e, m);
        if (r != null) executions.report(Caller.device(device), device, e.deploymentId(), r);
    }

    /**
     * What an {@code <device>/ota} event reports about the execution the device is acting on:
     * {@code committed} succeeds it, {@code rolled_back} fails it with the bootloader's reason,
     * {@code failed} fails it, any other event starts a queued one (null: nothing to report).
     */
    static DeviceReport reportFor(Execution e, JsonNode m) {
        String state = m.path("state").asText("");
        return switch (state) {
            case "committed" ->
                    new DeviceReport(
                            "SUCCEEDED",
                            null,
                            "mqtt: committed " + m.path("version").asText(""),
                            null);
            case "rolled_back" ->
                    new DeviceReport(
                            "FAILED",
                            null,
                            "mqtt: rolled back",
                            clip(
                                    m.path("reason").asText("ROLLBACK")
                                            + (m.has("description")
                                                    ? ": " + m.path("description").asText()
                                                    : "")
                                            + (m.has("detail")
                                                    ? " (" + m.path("detail").asText() + ")"
                                                    : ""),
                                    DeviceReport.MAX_REASON));
            case "failed" ->
                    new DeviceReport(
                            "FAILED",
                            null,
                            "mqtt: " + clip(m.path("error").asText("failed"), 900),
                            m.has("reason")
                                    ? clip(m.path("reason").asText(), DeviceReport.MAX_REASON)
                                    : null);
            default ->
                    e.state() == ExecutionState.QUEUED
                            ? new DeviceReport("IN_PROGRESS", null, "mqtt: " + state, null)
                            : null;
        };
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    private SSLContext tls() throws Exception {
        return BrokerTls.context(
                config.mqtt().caFile(),
                config.mqtt().clientP12(),
                config.mqtt().clientP12Password());
    }
}
