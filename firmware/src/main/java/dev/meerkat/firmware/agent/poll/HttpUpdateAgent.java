package dev.meerkat.firmware.agent.poll;

import dev.meerkat.firmware.device.DeviceContext;
import dev.meerkat.firmware.device.Library;
import dev.meerkat.firmware.ota.FwZipInstall;
import dev.meerkat.firmware.ota.OtaEvent;
import dev.meerkat.firmware.ota.OtaState;
import dev.meerkat.firmware.ota.OtaUpdate;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Mongoose OS's HTTP update check as a deployment agent ({@code update.enable}): at boot and every
 * {@code update.interval} seconds it asks {@code update.url} with the running version; on an update
 * it hands the same URL to {@link OtaUpdate}, which downloads (resuming after resets), installs and
 * test-boots it. The next check carries the new version and {@link UpdateCheck#RESULT_HEADER}, so
 * the server learns the commit or the bootloader's rollback reason. Everything this agent needs
 * after a power cut is in {@code ota.json} (origin, phase, result); {@code update.token}, sent as
 * {@code Authorization: TargetToken}, stays in the configuration.
 *
 * <p>An answer whose first four bytes are a zip header ({@link FwZipInstall#isFwZip}) is a Mongoose
 * fw.zip: it is read whole from that answer (at most {@link FwZipInstall#MAX_BUNDLE} bytes) and
 * {@link FwZipInstall} pushes its app part through {@link OtaUpdate}'s upload path, as the DDI
 * agent does; such an install does not resume after a reset.
 */
public final class HttpUpdateAgent implements Library {

    /** The origin of the updates this agent starts. */
    public static final String ORIGIN = "update";

    private final OtaUpdate ota;
    private DeviceContext device;
    private String url;

    public HttpUpdateAgent(OtaUpdate ota) {
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
        if (!d.config().getBool("update.enable") || d.config().getString("update.url").isEmpty()) {
            return;
        }
        this.device = d;
        this.url = d.config().getString("update.url");
        ota.requestHeaders(ORIGIN, this::credentials);
        ota.addListener(
                e -> {
                    if (e instanceof OtaEvent.Ended && ORIGIN.equals(e.origin())) {
                        // tell the server at once, not at the next interval
                        device.post(this::check);
                    }
                });
        d.onInitDone(this::periodic);
    }

    private Map<String, String> credentials() {
        String token = device.config().getString("update.token");
        return token.isEmpty() ? Map.of() : Map.of("Authorization", "TargetToken " + token);
    }

    private void periodic() {
        check();
        device.schedule(device.config().getLong("update.interval") * 1000, this::periodic);
    }

    /** One update check; nothing while an update downloads or runs its test boot. */
    void check() {
        OtaState s = ota.state();
        if (s.phase() != OtaState.Phase.IDLE || ota.underTest()) {
            return;
        }
        HttpURLConnection c = null;
        try {
            c = device.network().openHttp(url, device.config().getString("ota.ssl_ca_cert"));
            c.setRequestProperty(
                    UpdateCheck.VERSION_HEADER,
                    UpdateCheck.versionHeader(
                            device.config().getString("device.platform"),
                            ota.runningVersion(),
                            HexFormat.of().formatHex(device.jump().image().hash(), 0, 4)));
            credentials().forEach(c::setRequestProperty);
            Optional<String> last =
                    ORIGIN.equals(s.origin())
                            ? s.result().map(UpdateCheck::resultHeader)
                            : Optional.empty();
            if (last.isPresent()) {
                c.setRequestProperty(UpdateCheck.RESULT_HEADER, last.get());
            }
            UpdateCheck.Answer a =
                    UpdateCheck.answer(c.getResponseCode(), c.getContentLengthLong());
            if (a instanceof UpdateCheck.Update && fwZip(c)) {
                return;
            }
            c.disconnect();
            c = null;
            if (a instanceof UpdateCheck.Update u) {
                device.log("update: " + url + " has an update; downloading");
                ota.update(
                        new OtaUpdate.Request(
                                ORIGIN,
                                url,
                                OptionalLong.empty(),
                                new OtaUpdate.Expectations(Optional.empty(), u.size())));
            } else if (a instanceof UpdateCheck.Refused r) {
                device.log("update: check answered HTTP " + r.status());
            }
        } catch (IOException e) {
            device.log("update: check failed: " + e.getMessage());
        } catch (OtaUpdate.BusyException e) {
            device.log("update: " + e.getMessage());
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    /**
     * Installs the answer of {@code c} if it is a fw.zip; false (nothing read but its first bytes)
     * if it is an image, which {@link OtaUpdate} downloads from the URL itself. A bundle that does
     * not match its manifest is refused here (the next check reports the old version, which the
     * server counts as a failure); its app image is checked again by the bootloader.
     */
    private boolean fwZip(HttpURLConnection c) throws IOException, OtaUpdate.BusyException {
        byte[] bundle;
        try (InputStream in = c.getInputStream()) {
            byte[] head = in.readNBytes(4);
            if (!FwZipInstall.isFwZip(head)) {
                return false;
            }
            bundle = FwZipInstall.read(head, in, url);
        }
        device.log("update: " + url + " has a fw.zip update (" + bundle.length + " bytes)");
        try {
            FwZipInstall.install(ota, ORIGIN, bundle);
        } catch (IllegalArgumentException e) {
            device.log("update: fw.zip refused: " + e.getMessage());
        }
        return true;
    }
}
