package dev.meerkat.firmware.agent.ddi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.device.DeviceContext;
import dev.meerkat.firmware.device.Library;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.firmware.ota.FwZipInstall;
import dev.meerkat.firmware.ota.OtaEvent;
import dev.meerkat.firmware.ota.OtaResult;
import dev.meerkat.firmware.ota.OtaState;
import dev.meerkat.firmware.ota.OtaUpdate;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A hawkBit DDI client as a deployment agent ({@code ddi.enable}): polls {@code
 * <ddi.server>/<ddi.tenant>/controller/v1/<controller id>} as often as the server's {@code
 * config.polling.sleep} says, answers {@code configData} with the device's facts, follows {@code
 * deploymentBase} to the image and hands it to {@link OtaUpdate}, and reports the steps (download,
 * progress, downloaded, test boot) and the outcome (closed with success, or failure with the
 * bootloader's rollback reason first) as action feedback. Credentials: {@code ddi.token} as {@code
 * Authorization: TargetToken}, for the API and the download alike.
 *
 * <p>The action and its final feedback are journalled in {@link DdiAction#FILE} before anything is
 * sent, so after a power cut the device neither starts the action again (the download resumes in
 * {@link OtaUpdate}) nor forgets to report how it ended.
 */
public final class DdiAgent implements Library {

    /** The name of this agent; its updates' origin is {@code ddi/<action id>}. */
    public static final String ORIGIN = "ddi";

    private static final Duration RETRY = Duration.ofSeconds(30);

    private final OtaUpdate ota;
    private DeviceContext device;
    private DdiClient client;
    private Optional<DdiAction> action = Optional.empty();
    private boolean configSent;

    public DdiAgent(OtaUpdate ota) {
        this.ota = ota;
    }

    @Override
    public String name() {
        return ORIGIN;
    }

    @Override
    public int order() {
        return 60;
    }

    @Override
    public void init(DeviceContext d) {
        if (!d.config().getBool("ddi.enable") || d.config().getString("ddi.server").isEmpty()) {
            return;
        }
        this.device = d;
        this.client =
                new DdiClient(d.network(), d.config().getString("ota.ssl_ca_cert"), credentials());
        ota.addListener(this::event);
        action = load();
        // a download interrupted by a reset resumes at init done: it needs the credentials again
        action.ifPresent(a -> ota.requestHeaders(origin(a.actionId()), this::credentials));
        d.onInitDone(
                () -> {
                    reconcile();
                    poll();
                });
    }

    /** The origin of the update of action {@code actionId}, as {@code ota.json} keeps it. */
    static String origin(String actionId) {
        return ORIGIN + "/" + actionId;
    }

    /**
     * After a reset, an action journalled without outcome while no update runs either ended just
     * before the cut ({@code ota.json} has its result) or never started (forgotten, so the server's
     * next offer starts it).
     */
    private void reconcile() {
        if (action.isEmpty()
                || action.get().outcome().isPresent()
                || ota.state().phase() != OtaState.Phase.IDLE
                || ota.underTest()) {
            return;
        }
        DdiAction a = action.get();
        OtaState s = ota.state();
        if (s.origin().equals(origin(a.actionId())) && s.result().isPresent()) {
            save(a.withOutcome(outcome(a.actionId(), s.result().get())));
        } else {
            action = Optional.empty();
            device.files().delete(DdiAction.FILE);
        }
    }

    private Map<String, String> credentials() {
        String token = device.config().getString("ddi.token");
        return token.isEmpty() ? Map.of() : Map.of("Authorization", "TargetToken " + token);
    }

    /** {@code <server>/<tenant>/controller/v1/<controller id>}. */
    String controllerBase() {
        String server = device.config().getString("ddi.server").replaceAll("/+$", "");
        String id = device.config().getString("ddi.controller_id");
        return server
                + "/"
                + device.config().getString("ddi.tenant")
                + "/controller/v1/"
                + (id.isEmpty() ? device.deviceId() : id);
    }

    // ---------------------------------------------------------------- polling

    private void poll() {
        Duration sleep = RETRY;
        try {
            sendOutcome();
            ControllerBase base = ControllerBase.fromJson(client.get(controllerBase()));
            sleep = base.sleep();
            if (base.configData().isPresent() && !configSent) {
                ObjectNode body = Json.object();
                body.put("mode", "merge");
                body.putObject("data")
                        .put("platform", device.config().getString("device.platform"))
                        .put("version", ota.runningVersion());
                client.send("PUT", base.configData().get(), body);
                configSent = true;
            }
            if (base.deploymentBase().isPresent()) {
                offered(base.deploymentBase().get());
            }
        } catch (IOException | IllegalArgumentException e) {
            device.log("ddi: poll failed: " + e.getMessage());
        }
        device.schedule(sleep.toMillis(), this::poll);
    }

    /** The server offers an action: start it unless this device already works on one. */
    private void offered(String href) throws IOException {
        if (action.isPresent() || ota.state().phase() != OtaState.Phase.IDLE || ota.underTest()) {
            return;
        }
        DeploymentBase dep = DeploymentBase.fromJson(client.get(href));
        String feedbackUrl = href.replaceFirst("\\?.*$", "") + "/feedback";
        DdiAction a = new DdiAction(dep.actionId(), feedbackUrl, Optional.empty());
        Optional<DeploymentBase.Artifact> image = dep.image();
        if (image.isEmpty()) {
            save(
                    a.withOutcome(
                            Feedback.closed(
                                    dep.actionId(),
                                    false,
                                    List.of("the deployment has no artifact to install"))));
            sendOutcome();
            return;
        }
        save(a);
        device.log("ddi: action " + dep.actionId() + ": " + image.get().filename());
        feedback(
                Feedback.proceeding(
                        dep.actionId(), "download", "downloading " + image.get().filename()));
        ota.requestHeaders(origin(dep.actionId()), this::credentials);
        try {
            if (image.get().filename().toLowerCase(java.util.Locale.ROOT).endsWith(".zip")) {
                // a Mongoose fw.zip: fetched whole, its app part goes through the upload path
                byte[] bundle;
                try {
                    bundle = client.bytes(image.get().href(), FwZipInstall.MAX_BUNDLE);
                } catch (IOException e) {
                    // nothing started: forget the action, the next offer tries again
                    action = Optional.empty();
                    device.files().delete(DdiAction.FILE);
                    throw e;
                }
                try {
                    FwZipInstall.install(ota, origin(dep.actionId()), bundle);
                } catch (IllegalArgumentException e) {
                    save(
                            a.withOutcome(
                                    Feedback.closed(
                                            dep.actionId(), false, List.of(e.getMessage()))));
                    sendOutcome();
                }
                return;
            }
            ota.update(
                    new OtaUpdate.Request(
                            origin(dep.actionId()),
                            image.get().href(),
                            OptionalLong.empty(),
                            new OtaUpdate.Expectations(Optional.empty(), image.get().size())));
        } catch (OtaUpdate.BusyException e) {
            save(a.withOutcome(Feedback.closed(dep.actionId(), false, List.of(e.getMessage()))));
            sendOutcome();
        }
    }

    // ---------------------------------------------------------------- reporting

    private void event(OtaEvent e) {
        if (action.isEmpty()
                || action.get().outcome().isPresent()
                || !e.origin().equals(origin(action.get().actionId()))) {
            return;
        }
        String id = action.get().actionId();
        if (e instanceof OtaEvent.Progress p) {
            if (p.percent() > 0 && p.percent() < 100) {
                device.post(() -> feedback(Feedback.progress(id, p.percent())));
            }
        } else if (e instanceof OtaEvent.Retrying r) {
            String detail = "download resumes at " + r.bytes() + " bytes: " + r.error();
            device.post(() -> feedback(Feedback.proceeding(id, "proceeding", detail)));
        } else if (e instanceof OtaEvent.Installed i) {
            String detail = i.version() + " installed; rebooting into a test boot";
            feedback(Feedback.proceeding(id, "downloaded", detail));
        } else if (e instanceof OtaEvent.Testing t) {
            String detail = "test boot of " + t.version();
            device.post(() -> feedback(Feedback.proceeding(id, "proceeding", detail)));
        } else if (e instanceof OtaEvent.Ended end) {
            save(action.get().withOutcome(outcome(id, end.result())));
            device.post(this::sendOutcomeQuietly);
        }
        // Started is reported when the action is taken; Reverting ends in Ended
    }

    /**
     * The final feedback for {@code r}: a rollback's reason comes first, as the failure's cause.
     */
    static Feedback outcome(String actionId, OtaResult r) {
        List<String> details = new ArrayList<>();
        r.reason().ifPresent(x -> details.add(x.name() + ": " + x.description()));
        r.detail().ifPresent(details::add);
        details.add(r.outcome().name().toLowerCase() + ", running " + r.running());
        return Feedback.closed(actionId, r.outcome() == OtaResult.Outcome.COMMITTED, details);
    }

    private void sendOutcomeQuietly() {
        try {
            sendOutcome();
        } catch (IOException e) {
            device.log("ddi: outcome not sent yet: " + e.getMessage());
        }
    }

    /**
     * Sends the journalled outcome; the journal is cleared once the server took it (or is gone).
     */
    private void sendOutcome() throws IOException {
        if (action.isEmpty() || action.get().outcome().isEmpty()) {
            return;
        }
        DdiAction a = action.get();
        try {
            client.send("POST", a.feedbackUrl(), a.outcome().get().toJson());
        } catch (DdiClient.HttpStatus s) {
            // 404/410: the action is closed or gone on the server; anything else: try again
            if (s.status != 404 && s.status != 410) {
                throw s;
            }
        }
        device.log("ddi: action " + a.actionId() + " reported " + a.outcome().get().finished());
        action = Optional.empty();
        device.files().delete(DdiAction.FILE);
    }

    /** A progress feedback; lost ones are not retried (the outcome is). */
    private void feedback(Feedback f) {
        try {
            client.send("POST", action.map(DdiAction::feedbackUrl).orElseThrow(), f.toJson());
        } catch (IOException | java.util.NoSuchElementException e) {
            device.log("ddi: feedback not sent: " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- journal

    private Optional<DdiAction> load() {
        return device.files()
                .read(DdiAction.FILE)
                .flatMap(
                        b -> {
                            try {
                                return Optional.of(DdiAction.fromJson(Json.parse(b)));
                            } catch (IllegalArgumentException e) {
                                device.log("ddi: " + DdiAction.FILE + " unreadable; ignored");
                                return Optional.empty();
                            }
                        });
    }

    private void save(DdiAction a) {
        device.files().write(DdiAction.FILE, Json.bytes(a.toJson()));
        action = Optional.of(a);
    }
}
