package dev.meerkat.fleet.gcp.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.fleet.deploy.DeviceReport;
import dev.meerkat.fleet.deploy.Execution;
import dev.meerkat.fleet.deploy.ExecutionService;
import dev.meerkat.fleet.deploy.ExecutionState;
import dev.meerkat.fleet.deploy.RolloutEngine;
import dev.meerkat.fleet.device.Device;
import dev.meerkat.fleet.device.DeviceService;
import dev.meerkat.fleet.gcp.DeviceName;
import dev.meerkat.fleet.gcp.IotCoreService;
import dev.meerkat.fleet.gcp.StateListener;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Firmware deployments to Cloud IoT Core devices: a released execution of a fleet device with
 * protocol {@code gcp} becomes a new config version of its IoT Core device (named by the device's
 * {@value #LINK} attribute) carrying the update instruction {@code {"meerkat_update": {"id":
 * "<deployment>/<action>", "url", "version", "size", "commit_timeout"}}}; the state the device's
 * agent reports for that id moves the execution ({@code committed} → SUCCEEDED, {@code rolled_back}
 * → FAILED with the bootloader's reason).
 */
@ApplicationScoped
public class ConfigDelivery implements StateListener {
    private static final Logger LOG = Logger.getLogger(ConfigDelivery.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String PROTOCOL = "gcp";

    /** The fleet device attribute holding the full IoT Core device name. */
    public static final String LINK = "iot-core-device";

    @Inject RolloutEngine engine;

    @Inject ExecutionService executions;

    @Inject DeviceService devices;

    @Inject IotCoreService iot;

    @Inject DownloadLinks links;

    private ExecutorService worker;

    void start(@Observes StartupEvent ev) {
        worker =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "iot-core-delivery");
                            t.setDaemon(true);
                            return t;
                        });
        engine.onReleased(r -> worker.execute(() -> deliver(r)));
    }

    void stop(@Observes ShutdownEvent ev) {
        if (worker != null) worker.shutdownNow();
    }

    private void deliver(RolloutEngine.Released r) {
        List<ExecutionService.Work> work;
        try {
            // one query for the whole release: most released devices are not on IoT Core
            work = executions.releasedWork(r.deploymentId(), r.deviceIds(), PROTOCOL);
        } catch (RuntimeException e) {
            LOG.warnf("IoT Core delivery of %s failed: %s", r.deploymentId(), e.getMessage());
            return;
        }
        for (ExecutionService.Work w : work) {
            String id = w.execution().deviceId();
            try {
                Optional<DeviceName> name = link(devices.get(id));
                if (name.isEmpty()) {
                    reject(w.execution(), "no " + LINK + " attribute naming its device");
                    continue;
                }
                iot.modifyConfig(Caller.SYSTEM, name.get(), 0, instruction(w));
            } catch (RuntimeException e) {
                LOG.warnf("IoT Core delivery to %s failed: %s", id, e.getMessage());
            }
        }
    }

    private byte[] instruction(ExecutionService.Work w) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("meerkat_update")
                .put("id", w.execution().deploymentId() + "/" + w.execution().actionId())
                .put("url", links.urlFor(w.release()).toString())
                .put("version", w.release().version())
                .put("size", w.release().size())
                .put("commit_timeout", 0);
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stateRecorded(DeviceName device, byte[] state) {
        JsonNode m;
        try {
            m = JSON.readTree(state);
        } catch (IOException notJson) {
            return; // an application's own state, not an update report
        }
        if (m == null || !m.path("update").isTextual()) return;
        try {
            String update = m.get("update").asText();
            int slash = update.lastIndexOf('/');
            if (slash < 0) return;
            long action;
            try {
                action = Long.parseLong(update.substring(slash + 1));
            } catch (NumberFormatException e) {
                return;
            }
            Optional<Execution> e = executions.byAction(action);
            if (e.isEmpty()) return;
            String fleetId = e.get().deviceId();
            // Only the IoT Core device linked to the execution's fleet device reports for it.
            if (!link(devices.get(fleetId)).map(device::equals).orElse(false)) return;
            Optional<DeviceReport> report = report(e.get(), m);
            if (report.isPresent())
                executions.report(
                        Caller.device(fleetId), fleetId, e.get().deploymentId(), report.get());
        } catch (Refusal stale) {
            LOG.debugf("IoT Core state of %s: %s", device, stale.getMessage());
        } catch (RuntimeException e) {
            LOG.warnf("IoT Core state of %s not applied: %s", device, e.getMessage());
        }
    }

    private static Optional<DeviceReport> report(Execution e, JsonNode m) {
        String state = m.path("state").asText("");
        return switch (state) {
            case "committed" ->
                    Optional.of(
                            new DeviceReport(
                                    "SUCCEEDED",
                                    null,
                                    "gcp: committed " + m.path("version").asText(""),
                                    null));
            case "rolled_back" ->
                    Optional.of(
                            new DeviceReport(
                                    "FAILED",
                                    null,
                                    "gcp: rolled back",
                                    clip(
                                            m.path("reason").asText("ROLLBACK")
                                                    + (m.has("description")
                                                            ? ": " + m.path("description").asText()
                                                            : ""),
                                            DeviceReport.MAX_REASON)));
            case "failed", "busy" ->
                    Optional.of(
                            new DeviceReport(
                                    "FAILED",
                                    null,
                                    "gcp: " + clip(m.path("error").asText(state), 900),
                                    m.has("reason")
                                            ? clip(
                                                    m.path("reason").asText(),
                                                    DeviceReport.MAX_REASON)
                                            : null));
            case "downloading", "installed", "testing", "retrying" ->
                    e.state() == ExecutionState.QUEUED
                            ? Optional.of(
                                    new DeviceReport("IN_PROGRESS", null, "gcp: " + state, null))
                            : Optional.empty();
            default -> Optional.empty();
        };
    }

    private void reject(Execution e, String why) {
        executions.report(
                Caller.device(e.deviceId()),
                e.deviceId(),
                e.deploymentId(),
                new DeviceReport("REJECTED", e.versionNumber(), "gcp: " + why, null));
    }

    private static Optional<DeviceName> link(Device d) {
        String n = d.attributes().get(LINK);
        return n == null ? Optional.empty() : DeviceName.parse(n);
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
