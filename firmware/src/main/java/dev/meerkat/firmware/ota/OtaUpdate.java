package dev.meerkat.firmware.ota;

import dev.meerkat.boot.BootPhase;
import dev.meerkat.boot.BootStatus;
import dev.meerkat.boot.RollbackReason;
import dev.meerkat.boot.Slot;
import dev.meerkat.boot.UpdateRejectedException;
import dev.meerkat.boot.UpdateRules;
import dev.meerkat.boot.UpdateSession;
import dev.meerkat.firmware.app.FirmwareImage;
import dev.meerkat.firmware.device.DeviceContext;
import dev.meerkat.firmware.device.Library;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.hal.FlashArea;
import dev.meerkat.image.ImageKeyUnwrapper;
import dev.meerkat.image.VerifiedImage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The device's update flow, whatever channel delivers the update: download (or upload) into the
 * bootloader's {@link UpdateSession}, which prechecks the image while it streams in, decrypt with
 * the key the secure element unwraps, install, reboot into a test boot, then commit (at once, after
 * {@code commit_timeout} healthy seconds, or by {@link #commit(String)}) or revert. The state
 * survives resets in {@code ota.json} ({@link OtaState}); events go to every {@link OtaListener}.
 *
 * <p>A delivery channel (mg_rpc's {@code OTA.*} methods in {@link OtaRpc}, a cloud job agent) calls
 * {@link #update(Request)} or the upload trio {@link #beginUpload}, {@link #upload(byte[])}, {@link
 * #endUpload()}, and listens for the events whose {@link OtaEvent#origin()} is its own. Every
 * method runs on the device's main loop.
 */
public final class OtaUpdate implements Library {

    /**
     * What a channel asks for.
     *
     * @param origin the channel's name, carried by every event of this update
     * @param url http:// or https:// URL of the image
     * @param commitTimeout seconds of healthy running before the test boot commits; empty: {@code
     *     ota.commit_timeout}
     * @param expect what the channel knows about the image in advance
     */
    public record Request(
            String origin, String url, OptionalLong commitTimeout, Expectations expect) {
        public Request {
            Objects.requireNonNull(origin);
            Objects.requireNonNull(url);
            Objects.requireNonNull(commitTimeout);
            Objects.requireNonNull(expect);
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new IllegalArgumentException("url must be http:// or https://");
            }
        }
    }

    /**
     * Facts a channel's job document states about the image; an image that disagrees is refused.
     *
     * @param version the image's version ({@code 1.2.3} or {@code 1.2.3+4}), if stated
     * @param size the image's length in bytes, if stated
     */
    public record Expectations(Optional<String> version, OptionalLong size) {
        public Expectations {
            Objects.requireNonNull(version);
            Objects.requireNonNull(size);
        }

        public static Expectations none() {
            return new Expectations(Optional.empty(), OptionalLong.empty());
        }
    }

    /** Another update is in progress or under test. */
    public static final class BusyException extends Exception {
        private static final long serialVersionUID = 1L;

        BusyException(String message) {
            super(message);
        }
    }

    /**
     * A channel's own check of the whole downloaded file (e.g. a job document's signature over its
     * SHA-256), made before the image is decrypted and installed.
     */
    @FunctionalInterface
    public interface FileCheck {
        /**
         * @param sha256 SHA-256 of the file exactly as downloaded
         * @return why the file is refused; empty to install it
         */
        Optional<String> refusal(byte[] sha256);
    }

    private final List<OtaListener> listeners = new ArrayList<>();
    private final Map<String, Supplier<Map<String, String>>> requestHeaders = new HashMap<>();
    private final Map<String, FileCheck> fileChecks = new HashMap<>();
    private DeviceContext device;
    private OtaState state = OtaState.idle();
    private Transfer transfer;

    /** An update being written (this boot only). */
    private static final class Transfer {
        final UpdateSession session;
        final Expectations expect;
        ImageDownload download;
        long total;
        int lastPct = -1;

        Transfer(UpdateSession session, Expectations expect) {
            this.session = session;
            this.expect = expect;
        }
    }

    @Override
    public String name() {
        return "ota";
    }

    @Override
    public int order() {
        return 50;
    }

    @Override
    public void init(DeviceContext d) {
        this.device = d;
        this.state = load();
        d.onInitDone(this::afterBoot);
    }

    /** Adds a receiver of every update's events. */
    public void addListener(OtaListener l) {
        listeners.add(Objects.requireNonNull(l));
    }

    /**
     * Request headers (its {@code Authorization}, for one) that every connection of the downloads
     * {@code origin} starts carries, resumed ones after a reset included. A channel registers them
     * in its {@link Library#init}, so a secret stays in the configuration and never reaches {@code
     * ota.json}.
     */
    public void requestHeaders(String origin, Supplier<Map<String, String>> headers) {
        requestHeaders.put(Objects.requireNonNull(origin), Objects.requireNonNull(headers));
    }

    /**
     * Makes every download started by channel {@code origin} pass {@code check} before it is
     * installed; a channel registers it at each boot so that a resumed download is checked too.
     */
    public void fileCheck(String origin, FileCheck check) {
        fileChecks.put(Objects.requireNonNull(origin), Objects.requireNonNull(check));
    }

    /** The recorded state. */
    public OtaState state() {
        return state;
    }

    /** Bytes taken and image length of the transfer in progress, if any. */
    public Optional<long[]> transferProgress() {
        Transfer t = transfer;
        return t == null
                ? Optional.empty()
                : Optional.of(new long[] {t.session.accepted(), t.total});
    }

    /** The version running now. */
    public String runningVersion() {
        return FirmwareImage.versionString(device.jump().image().version());
    }

    // ---------------------------------------------------------------- starting

    /**
     * Starts downloading {@code r.url()} into the inactive slot; progress and outcome go to the
     * listeners.
     */
    public void update(Request r) throws BusyException {
        checkIdle();
        start(
                r.origin(),
                r.url(),
                0,
                OptionalLong.of(
                        r.commitTimeout().orElse(device.config().getLong("ota.commit_timeout"))),
                r.expect());
    }

    /**
     * Starts an update whose {@code size} bytes the channel pushes through {@link #upload(byte[])}.
     */
    public void beginUpload(String origin, long size, OptionalLong commitTimeout)
            throws BusyException {
        checkIdle();
        start(
                origin,
                OtaState.RPC_UPLOAD,
                0,
                OptionalLong.of(
                        commitTimeout.orElse(device.config().getLong("ota.commit_timeout"))),
                new Expectations(Optional.empty(), OptionalLong.of(size)));
        transfer.total = size;
        try {
            transfer.session.expectLength(size);
        } catch (UpdateRejectedException e) {
            fail(message(e), Optional.empty());
        }
    }

    /** Whether an upload started by {@link #beginUpload} is in progress. */
    public boolean uploading() {
        return transfer != null && state.isUpload();
    }

    /**
     * Takes the next bytes of an upload.
     *
     * @return the bytes taken so far
     * @throws IllegalStateException without an upload in progress
     * @throws IllegalArgumentException with the reason the update was given up (the outcome is
     *     reported)
     */
    public long upload(byte[] data) {
        Transfer t = requireUpload();
        if (t.session.accepted() + data.length > t.total) {
            throw new IllegalArgumentException("more data than announced");
        }
        try {
            accept(t, data, data.length);
        } catch (OtaRefused e) {
            fail(e.getMessage(), e.reason());
            throw new IllegalArgumentException(e.getMessage());
        }
        return t.session.accepted();
    }

    /**
     * Ends an upload: installs the image and reboots into a test boot, or reports the failure.
     *
     * @throws IllegalArgumentException when bytes are missing
     */
    public void endUpload() {
        Transfer t = requireUpload();
        if (t.session.accepted() != t.total) {
            throw new IllegalArgumentException(
                    "got " + t.session.accepted() + " of " + t.total + " bytes");
        }
        finish();
    }

    private Transfer requireUpload() {
        if (!uploading()) {
            throw new IllegalStateException("no OTA.Begin");
        }
        return transfer;
    }

    private void checkIdle() throws BusyException {
        if (device.control().bootState().phase() == BootPhase.TESTING) {
            throw new BusyException("an update is under test: commit or revert it first");
        }
        if (transfer != null) {
            throw new BusyException("an update is already in progress");
        }
    }

    private UpdateRules rules() {
        return new UpdateRules(
                Optional.of(
                        new UpdateRules.Platform(
                                FirmwareImage.PLATFORM_TLV,
                                device.config().getString("device.platform"))),
                device.config().getBool("ota.allow_downgrade"));
    }

    /** Opens the session (fresh, or at a checkpoint after a reset) and, for a URL, the download. */
    private void start(
            String origin, String url, long from, OptionalLong commitTimeout, Expectations expect) {
        UpdateSession session;
        try {
            session =
                    from == 0
                            ? device.control().beginUpdate(rules())
                            : device.control().resumeUpdate(rules(), from);
        } catch (UpdateRejectedException e) {
            state = state.ended(result(OtaResult.Outcome.FAILED, Optional.empty(), message(e)));
            save();
            emit(new OtaEvent.Ended(origin, state.result().orElseThrow()));
            return;
        }
        OtaState previous = state;
        Transfer t = new Transfer(session, expect);
        transfer = t;
        state = previous.downloading(origin, url, session.slot(), from, commitTimeout);
        save();
        emit(new OtaEvent.Started(origin, url, session.slot().name(), session.durable()));
        if (!url.equals(OtaState.RPC_UPLOAD)) {
            long known = from == 0 ? 0 : previous.total().orElse(0);
            t.download =
                    new ImageDownload(
                            device.network(),
                            url,
                            device.config().getString("ota.ssl_ca_cert"),
                            device.config().getInt("ota.chunk"),
                            device.config().getInt("ota.retries"),
                            known,
                            from == 0 ? Optional.empty() : previous.etag(),
                            requestHeaders.getOrDefault(origin, Map::of).get(),
                            device::log);
            device.post(this::step);
        }
    }

    // ---------------------------------------------------------------- downloading

    private void step() {
        Transfer t = transfer;
        if (t == null || t.download == null) {
            return;
        }
        try {
            ImageDownload.Step s = t.download.step(target(t));
            if (s instanceof ImageDownload.Done) {
                finish();
            } else if (s instanceof ImageDownload.RetryAfter r) {
                device.log(
                        "ota: "
                                + r.error()
                                + "; resuming at "
                                + t.session.durable()
                                + " in "
                                + r.delayMillis()
                                + " ms");
                emit(new OtaEvent.Retrying(state.origin(), t.session.durable(), r.error()));
                device.schedule(r.delayMillis(), this::step);
            } else {
                device.post(this::step);
            }
        } catch (OtaRefused e) {
            fail(e.getMessage(), e.reason());
        }
    }

    private ImageDownload.Target target(Transfer t) {
        return new ImageDownload.Target() {
            @Override
            public long resumeAt() {
                return t.session.durable();
            }

            @Override
            public void rewind() {
                t.session.rewind();
            }

            @Override
            public void restart() {
                t.session.restart();
                t.lastPct = -1;
                state = state.withCheckpoint(0);
                save();
            }

            @Override
            public void length(long total, Optional<String> etag) throws OtaRefused {
                if (t.expect.size().isPresent() && t.expect.size().getAsLong() != total) {
                    throw new OtaRefused(
                            "image is "
                                    + total
                                    + " bytes, expected "
                                    + t.expect.size().getAsLong());
                }
                try {
                    t.session.expectLength(total);
                } catch (UpdateRejectedException e) {
                    throw new OtaRefused(message(e));
                }
                t.total = total;
                state = state.withTransfer(total, etag);
            }

            @Override
            public void accept(byte[] b, int n) throws OtaRefused {
                OtaUpdate.this.accept(t, b, n);
            }

            @Override
            public long accepted() {
                return t.session.accepted();
            }
        };
    }

    /** Takes {@code n} bytes: precheck (in the session), flash, checkpoints, progress. */
    private void accept(Transfer t, byte[] b, int n) throws OtaRefused {
        try {
            t.session.write(t.session.accepted(), b, 0, n);
        } catch (UpdateRejectedException e) {
            throw new OtaRefused(message(e));
        }
        if (state.version().isEmpty()) {
            Optional<String> v =
                    t.session.header().map(h -> FirmwareImage.versionString(h.version()));
            if (v.isPresent()) {
                if (t.expect.version().isPresent() && !t.expect.version().get().equals(v.get())) {
                    throw new OtaRefused(
                            "image version "
                                    + v.get()
                                    + " is not the expected "
                                    + t.expect.version().get());
                }
                state = state.withVersion(v.get());
            }
        }
        long cp = t.session.checkpoint();
        if (!state.isUpload()
                && cp - state.checkpoint().orElse(0) >= device.config().getLong("ota.checkpoint")) {
            state = state.withCheckpoint(cp);
            save();
        }
        int pct = (int) (t.session.accepted() * 100 / t.total);
        if (pct / 10 != t.lastPct / 10) {
            t.lastPct = pct;
            emit(new OtaEvent.Progress(state.origin(), pct, t.session.accepted(), t.total));
        }
    }

    // ---------------------------------------------------------------- installing

    private void finish() {
        Transfer t = transfer;
        try {
            t.session.finish();
            FileCheck check = fileChecks.get(state.origin());
            if (check != null) {
                Optional<String> refused = check.refusal(downloadedSha256(t));
                if (refused.isPresent()) {
                    fail(refused.get(), Optional.empty());
                    return;
                }
            }
            if (t.session.encrypted()) {
                state = state.withPhase(OtaState.Phase.DECRYPTING);
                save();
                ImageKeyUnwrapper keys = device.secureElement()::unwrapImageKey;
                t.session.decrypt(
                        device.secureElement().canDecryptImages()
                                ? Optional.of(keys)
                                : Optional.empty());
            }
            VerifiedImage image = t.session.install();
            String version = FirmwareImage.versionString(image.version());
            state = state.installed(version, HexFormat.of().formatHex(image.hash(), 0, 8));
            save();
            transfer = null;
            device.log(
                    "ota: "
                            + image.version()
                            + " installed in "
                            + t.session.slot()
                            + "; rebooting into a test boot");
            emit(new OtaEvent.Installed(state.origin(), version));
            device.rebootAfter(100, "update installed");
        } catch (UpdateRejectedException e) {
            fail(message(e), e.beforeInstall() ? Optional.empty() : Optional.of(e.reason()));
        }
    }

    /** SHA-256 of the file as it lies in the slot before decryption. */
    private byte[] downloadedSha256(Transfer t) {
        FlashArea area = device.layout().slot(t.session.slot());
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[4096];
        for (long at = 0; at < t.total; at += buf.length) {
            int n = (int) Math.min(buf.length, t.total - at);
            area.read(at, buf, 0, n);
            sha.update(buf, 0, n);
        }
        return sha.digest();
    }

    /**
     * How a refusal reads in the outcome: the precheck's detail, or validation's reason and detail.
     */
    private static String message(UpdateRejectedException e) {
        return e.beforeInstall() ? e.detail() : "image refused: " + e.getMessage();
    }

    private void fail(String message, Optional<RollbackReason> reason) {
        device.log("ota: " + message);
        Transfer t = transfer;
        if (t != null && t.download != null) {
            t.download.close();
        }
        transfer = null;
        end(result(OtaResult.Outcome.FAILED, reason, message));
    }

    // ---------------------------------------------------------------- after boot: commit or revert

    private void afterBoot() {
        BootStatus st = device.control().bootState();
        if (device.testBoot() && st.phase() == BootPhase.TESTING) {
            String version = runningVersion();
            emit(new OtaEvent.Testing(state.origin(), version));
            long timeout =
                    state.commitTimeout().orElse(device.config().getLong("ota.commit_timeout"));
            if (timeout <= 0) {
                commit("init done");
            } else {
                device.log(
                        "ota: test boot; commit after "
                                + timeout
                                + " s of healthy running or by OTA.Commit");
                device.schedule(timeout * 1000, this::commitDeadline);
            }
            return;
        }
        switch (state.phase()) {
            case INSTALLED -> {
                Slot target = state.slot().orElse(Slot.A);
                if (device.jump().slot() == target && st.committed()) {
                    end(
                            result(
                                    OtaResult.Outcome.COMMITTED,
                                    Optional.empty(),
                                    "committed before the last reset"));
                } else {
                    String detail =
                            device.files()
                                    .read("boot-error.json")
                                    .map(b -> new String(b, StandardCharsets.UTF_8))
                                    .orElse(st.lastRollback().description());
                    end(
                            result(
                                    OtaResult.Outcome.ROLLED_BACK,
                                    Optional.of(st.lastRollback()),
                                    detail));
                }
            }
            case DOWNLOADING, DECRYPTING -> {
                if (state.isUpload()) {
                    end(
                            result(
                                    OtaResult.Outcome.FAILED,
                                    Optional.empty(),
                                    "RPC upload interrupted by a reset"));
                    return;
                }
                long from =
                        state.phase() == OtaState.Phase.DOWNLOADING
                                ? state.checkpoint().orElse(0)
                                : 0;
                String url = state.url().orElse("");
                device.log("ota: resuming download of " + url + " at " + from);
                start(state.origin(), url, from, state.commitTimeout(), Expectations.none());
            }
            default -> {
                // nothing in progress
            }
        }
    }

    private void commitDeadline() {
        if (device.control().bootState().phase() != BootPhase.TESTING) {
            return;
        }
        if (device.healthy()) {
            commit("commit_timeout passed while healthy");
        } else {
            device.log("ota: unhealthy at the commit deadline; reverting");
            emit(new OtaEvent.Reverting(state.origin(), "unhealthy at commit_timeout"));
            device.control().revert();
            device.rebootAfter(100, "unhealthy update reverted");
        }
    }

    /** Whether an image runs its test boot (commit or revert it). */
    public boolean underTest() {
        return device.testBoot() && device.control().bootState().phase() == BootPhase.TESTING;
    }

    /** Declares the image under test good. No-op outside a test boot. */
    public void commit(String why) {
        if (!underTest()) {
            return;
        }
        device.control().commit();
        device.log("ota: committed " + device.jump().image().version() + " (" + why + ")");
        end(result(OtaResult.Outcome.COMMITTED, Optional.empty(), why));
    }

    /**
     * Gives up the update: the image under test (the device reboots after {@code delayMillis} into
     * the previous one), or a pending one not yet booted.
     *
     * @throws IllegalStateException when there is no update to revert
     */
    public void revert(long delayMillis, String why) {
        BootPhase p = device.control().bootState().phase();
        if (p == BootPhase.TESTING) {
            device.control().revert();
            device.rebootAfter(delayMillis, why);
        } else if (p == BootPhase.PENDING) {
            device.control().revert();
            end(result(OtaResult.Outcome.CANCELLED, Optional.empty(), why + " before reboot"));
        } else {
            throw new IllegalStateException("no update to revert");
        }
    }

    // ---------------------------------------------------------------- state and events

    private OtaResult result(
            OtaResult.Outcome outcome, Optional<RollbackReason> reason, String detail) {
        return new OtaResult(
                outcome, reason, Optional.ofNullable(detail), state.version(), runningVersion());
    }

    private void end(OtaResult r) {
        state = state.ended(r);
        save();
        emit(new OtaEvent.Ended(state.origin(), r));
    }

    private void emit(OtaEvent e) {
        for (OtaListener l : listeners) {
            l.event(e);
        }
    }

    private OtaState load() {
        Optional<byte[]> b = device.files().read(OtaState.FILE);
        if (b.isPresent()) {
            try {
                return OtaState.fromJson(Json.parse(b.get()));
            } catch (IllegalArgumentException e) {
                device.log("ota: " + OtaState.FILE + " unreadable; starting idle");
            }
        }
        return OtaState.idle();
    }

    private void save() {
        device.files().write(OtaState.FILE, Json.bytes(state.toJson()));
    }
}
