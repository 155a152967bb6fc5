package dev.meerkat.firmware.ota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.boot.BootPhase;
import dev.meerkat.boot.BootStatus;
import dev.meerkat.boot.RollbackReason;
import dev.meerkat.boot.Slot;
import dev.meerkat.boot.SlotImageSource;
import dev.meerkat.boot.UpdateRejectedException;
import dev.meerkat.firmware.FirmwareImage;
import dev.meerkat.firmware.Json;
import dev.meerkat.firmware.device.DeviceContext;
import dev.meerkat.firmware.device.Library;
import dev.meerkat.firmware.rpc.RpcException;
import dev.meerkat.hal.FlashArea;
import dev.meerkat.image.ImageFormatException;
import dev.meerkat.image.ImageHeader;
import dev.meerkat.image.ImageVersion;
import dev.meerkat.image.ParsedImage;
import dev.meerkat.image.TlvEntry;
import dev.meerkat.image.TlvType;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The OTA client: OTA.Update downloads an image over HTTP(S) into the inactive slot, resuming with
 * Range requests after a dropped connection (and, from the last checkpoint, after a reset); a
 * server that ignores Range (answers 200 to a ranged request) or whose content changed makes the
 * download start over instead of splicing two files. The header is checked as soon as it arrives;
 * after the last byte the platform and security counter are checked, an encrypted image is
 * decrypted in place with the device's key, and {@code BootControl.installUpdate} validates hash
 * and signature with the provisioned keys before marking the slot pending and rebooting.
 *
 * <p>After the test boot, the update is committed by OTA.Commit, immediately when
 * {@code commit_timeout} is 0, or when {@code commit_timeout} seconds pass with the device healthy;
 * unhealthy at the deadline, it is reverted. Progress and outcome are published on
 * {@code <device>/ota}; a rollback is reported with the bootloader's reason at the next boot.
 * State lives in {@code ota.json} in the file store.
 */
public final class OtaClient implements Library {

    static final String STATE_FILE = "ota.json";
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+)");

    private DeviceContext fw;
    private ObjectNode state;
    private Download dl;

    /** A transfer in progress (this boot only). */
    private static final class Download {
        Slot slot;
        FlashArea area;
        SlotWriter writer;
        String url;
        long total;
        String etag;
        InputStream in;
        HttpURLConnection conn;
        int failures;
        int lastPct = -1;
        byte[] head = new byte[ImageHeader.SIZE];
        boolean headChecked;
        final byte[] buf;

        Download(int chunk) {
            buf = new byte[chunk];
        }
    }

    /** A reason to give up the update. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
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
    public void init(DeviceContext fw) {
        this.fw = fw;
        this.state = loadState();
        fw.rpc().add("OTA.Update", this::update);
        fw.rpc().add("OTA.Commit", a -> {
            if (!fw.testBoot() || fw.control().bootState().phase() != BootPhase.TESTING) {
                return status();
            }
            commit("OTA.Commit");
            return status();
        });
        fw.rpc().add("OTA.Revert", a -> {
            BootPhase p = fw.control().bootState().phase();
            if (p == BootPhase.TESTING) {
                fw.control().revert();
                fw.rebootAfter(a.path("delay_ms").asLong(100), "OTA.Revert");
            } else if (p == BootPhase.PENDING) {
                fw.control().revert();
                state.put("phase", "idle");
                result("cancelled", null, "OTA.Revert before reboot");
            } else {
                throw new RpcException(409, "no update to revert");
            }
            return status();
        });
        fw.rpc().add("OTA.Status", a -> status());
        fw.rpc().add("OTA.Begin", this::begin);
        fw.rpc().add("OTA.Write", this::write);
        fw.rpc().add("OTA.End", a -> {
            if (dl == null || dl.url == null || !dl.url.equals("rpc:")) {
                throw new RpcException(409, "no OTA.Begin");
            }
            if (dl.writer.accepted() != dl.total) {
                throw RpcException.badRequest("got " + dl.writer.accepted() + " of " + dl.total + " bytes");
            }
            finish();
            return status();
        });
        fw.onInitDone(this::afterBoot);
    }

    // ---------------------------------------------------------------- after boot

    private void afterBoot() {
        BootStatus st = fw.control().bootState();
        String phase = state.path("phase").asText("idle");
        if (fw.testBoot() && st.phase() == BootPhase.TESTING) {
            String version = FirmwareImage.versionString(fw.jump().image().version());
            event("testing", e -> e.put("version", version));
            long timeout = state.has("commit_timeout") ? state.get("commit_timeout").asLong()
                    : fw.config().getLong("ota.commit_timeout");
            if (timeout <= 0) {
                commit("init done");
            } else {
                fw.log("ota: test boot; commit after " + timeout + " s of healthy running or by OTA.Commit");
                fw.schedule(timeout * 1000, this::commitDeadline);
            }
            return;
        }
        if (phase.equals("installed")) {
            Slot target = Slot.valueOf(state.path("slot").asText("A"));
            if (fw.jump().slot() == target && st.committed()) {
                state.put("phase", "idle");
                result("committed", null, "committed before the last reset");
            } else {
                String detail = fw.files().read("boot-error.json").map(b -> new String(b, java.nio.charset.StandardCharsets.UTF_8))
                        .orElse(st.lastRollback().description());
                state.put("phase", "idle");
                result("rolled_back", st.lastRollback(), detail);
            }
        } else if (phase.equals("downloading") || phase.equals("decrypting")) {
            if (state.path("url").asText().equals("rpc:")) {
                state.put("phase", "idle");
                result("failed", null, "RPC upload interrupted by a reset");
            } else {
                long from = phase.equals("downloading") ? state.path("offset").asLong(0) : 0;
                fw.log("ota: resuming download of " + state.path("url").asText() + " at " + from);
                try {
                    start(state.path("url").asText(), from, false);
                } catch (RpcException e) {
                    state.put("phase", "idle");
                    result("failed", null, e.getMessage());
                }
            }
        }
    }

    private void commitDeadline() {
        if (fw.control().bootState().phase() != BootPhase.TESTING) {
            return;
        }
        if (fw.healthy()) {
            commit("commit_timeout passed while healthy");
        } else {
            fw.log("ota: unhealthy at the commit deadline; reverting");
            event("reverting", e -> e.put("reason", "unhealthy at commit_timeout"));
            fw.control().revert();
            fw.rebootAfter(100, "unhealthy update reverted");
        }
    }

    private void commit(String why) {
        fw.control().commit();
        fw.log("ota: committed " + fw.jump().image().version() + " (" + why + ")");
        state.put("phase", "idle");
        state.remove("commit_timeout");
        result("committed", null, why);
    }

    // ---------------------------------------------------------------- starting

    private JsonNode update(JsonNode a) throws RpcException {
        String url = a.path("url").asText("");
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw RpcException.badRequest("url must be http:// or https://");
        }
        checkIdle();
        state.put("commit_timeout", a.path("commit_timeout").asLong(fw.config().getLong("ota.commit_timeout")));
        start(url, 0, true);
        return status();
    }

    private void checkIdle() throws RpcException {
        if (fw.control().bootState().phase() == BootPhase.TESTING) {
            throw new RpcException(409, "an update is under test: commit or revert it first");
        }
        if (dl != null) {
            throw new RpcException(409, "an update is already in progress");
        }
    }

    private void start(String url, long from, boolean fresh) throws RpcException {
        Slot slot = fw.control().bootState().running().other();
        Download d = new Download(fw.config().getInt("ota.chunk"));
        d.slot = slot;
        d.area = fw.layout().slot(slot);
        d.url = url;
        if (fresh || from == 0) {
            fw.control().prepareSlot(slot);
            from = 0;
        } else {
            d.total = state.path("total").asLong(0);
            d.etag = state.hasNonNull("etag") ? state.get("etag").asText() : null;
        }
        d.writer = new SlotWriter(d.area, from);
        if (from >= ImageHeader.SIZE) {
            d.head = d.area.read(0, ImageHeader.SIZE);
        }
        dl = d;
        state.put("phase", "downloading");
        state.put("url", url);
        state.put("slot", slot.name());
        state.put("offset", from);
        save();
        event("downloading", e -> e.put("url", url).put("slot", slot.name()).put("bytes", d.writer.durable()));
        if (!url.equals("rpc:")) {
            fw.post(this::step);
        }
    }

    private JsonNode begin(JsonNode a) throws RpcException {
        checkIdle();
        long size = a.path("size").asLong(0);
        Slot slot = fw.control().bootState().running().other();
        if (size <= ImageHeader.SIZE || size > fw.layout().slot(slot).size()) {
            throw RpcException.badRequest("size must be 32.." + fw.layout().slot(slot).size());
        }
        state.put("commit_timeout", a.path("commit_timeout").asLong(fw.config().getLong("ota.commit_timeout")));
        start("rpc:", 0, true);
        dl.total = size;
        return status();
    }

    private JsonNode write(JsonNode a) throws RpcException {
        if (dl == null || !"rpc:".equals(dl.url)) {
            throw new RpcException(409, "no OTA.Begin");
        }
        byte[] data;
        try {
            data = Base64.getDecoder().decode(a.path("data").asText(""));
        } catch (IllegalArgumentException e) {
            throw RpcException.badRequest("data must be base64");
        }
        if (dl.writer.accepted() + data.length > dl.total) {
            throw RpcException.badRequest("more data than announced");
        }
        try {
            accept(data, data.length);
        } catch (Refused e) {
            fail(e.getMessage());
            throw RpcException.badRequest(e.getMessage());
        }
        ObjectNode r = Json.object();
        r.put("bytes", dl.writer.accepted());
        return r;
    }

    // ---------------------------------------------------------------- downloading

    private void step() {
        Download d = dl;
        if (d == null) {
            return;
        }
        try {
            if (d.in == null) {
                open(d);
            }
            int want = (int) Math.min(d.buf.length, d.total - d.writer.accepted());
            int n = want == 0 ? -1 : d.in.read(d.buf, 0, want);
            if (n < 0) {
                if (d.writer.accepted() < d.total) {
                    throw new IOException("connection closed at " + d.writer.accepted() + " of " + d.total);
                }
            } else {
                d.failures = 0;
                accept(d.buf, n);
            }
            if (d.writer.accepted() == d.total) {
                close(d);
                finish();
                return;
            }
            fw.post(this::step);
        } catch (IOException e) {
            close(d);
            d.writer.dropTail();
            d.failures++;
            int retries = fw.config().getInt("ota.retries");
            if (d.failures > retries) {
                fail("download failed after " + retries + " retries: " + e.getMessage());
                return;
            }
            long delay = Math.min(10_000, 250L << Math.min(d.failures, 6));
            fw.log("ota: " + e.getMessage() + "; resuming at " + d.writer.durable() + " in " + delay + " ms");
            event("retrying", ev -> ev.put("bytes", d.writer.durable()).put("error", String.valueOf(e.getMessage())));
            fw.schedule(delay, this::step);
        } catch (Refused e) {
            close(d);
            fail(e.getMessage());
        }
    }

    private void open(Download d) throws IOException, Refused {
        long from = d.writer.durable();
        HttpURLConnection c = fw.network().openHttp(d.url, fw.config().getString("ota.ssl_ca_cert"));
        if (from > 0) {
            c.setRequestProperty("Range", "bytes=" + from + "-");
            if (d.etag != null) {
                c.setRequestProperty("If-Range", d.etag);
            }
        }
        int code = c.getResponseCode();
        if (code == 206) {
            Matcher m = CONTENT_RANGE.matcher(String.valueOf(c.getHeaderField("Content-Range")));
            if (!m.matches() || Long.parseLong(m.group(1)) != from
                    || (d.total > 0 && Long.parseLong(m.group(3)) != d.total)) {
                c.disconnect();
                fw.log("ota: unexpected Content-Range " + c.getHeaderField("Content-Range") + "; starting over");
                restart(d);
                throw new IOException("server sent another range or file");
            }
            d.total = Long.parseLong(m.group(3));
        } else if (code == 200) {
            if (from > 0) {
                fw.log("ota: server ignored Range (200 for bytes=" + from + "-); starting over");
                restart(d);
            }
            d.total = c.getContentLengthLong();
            d.etag = c.getHeaderField("ETag");
        } else {
            c.disconnect();
            if (code >= 400 && code < 500 && code != 408 && code != 429) {
                throw new Refused("HTTP " + code + " for " + d.url);
            }
            throw new IOException("HTTP " + code);
        }
        if (d.total <= 0) {
            c.disconnect();
            throw new Refused("server did not say how long the image is");
        }
        if (d.total > d.area.size()) {
            c.disconnect();
            throw new Refused("image of " + d.total + " bytes does not fit " + d.area.name() + " ("
                    + d.area.size() + ")");
        }
        d.conn = c;
        d.in = fw.network().download(c.getInputStream());
        state.put("total", d.total);
        if (d.etag != null) {
            state.put("etag", d.etag);
        }
    }

    private void restart(Download d) {
        d.writer = new SlotWriter(d.area, 0);
        d.headChecked = false;
        d.lastPct = -1;
        state.put("offset", 0);
        save();
    }

    private static void close(Download d) {
        if (d.in != null) {
            try {
                d.in.close();
            } catch (IOException e) {
                // closing a broken stream
            }
        }
        d.in = null;
        d.conn = null;
    }

    /** Takes {@code n} downloaded bytes: header checks, flash, checkpoints, progress. */
    private void accept(byte[] b, int n) throws Refused {
        Download d = dl;
        long at = d.writer.accepted();
        if (at < ImageHeader.SIZE) {
            System.arraycopy(b, 0, d.head, (int) at, (int) Math.min(n, ImageHeader.SIZE - at));
        }
        if (!d.headChecked && at + n >= ImageHeader.SIZE) {
            checkHeader(d);
        }
        d.writer.write(b, 0, n);
        long cp = d.writer.sectorStart(d.writer.durable());
        if (!d.url.equals("rpc:") && cp - state.path("offset").asLong() >= fw.config().getLong("ota.checkpoint")) {
            state.put("offset", cp);
            save();
        }
        int pct = (int) (d.writer.accepted() * 100 / d.total);
        if (pct / 10 != d.lastPct / 10) {
            d.lastPct = pct;
            fw.publish("ota", progress(d, pct));
        }
    }

    private ObjectNode progress(Download d, int pct) {
        ObjectNode e = Json.object();
        e.put("state", "downloading");
        e.put("progress", pct);
        e.put("bytes", d.writer.accepted());
        e.put("total", d.total);
        return e;
    }

    private void checkHeader(Download d) throws Refused {
        d.headChecked = true;
        ImageHeader h;
        try {
            h = ImageHeader.decode(d.head);
        } catch (ImageFormatException e) {
            throw new Refused("not a firmware image: " + e.getMessage());
        }
        if (h.hashedLength() > d.area.size() || h.hashedLength() > d.total) {
            throw new Refused("image header claims " + h.hashedLength() + " bytes; download is " + d.total
                    + ", slot " + d.area.size());
        }
        ImageVersion running = fw.jump().image().version();
        if (h.version().compareTo(running) < 0 && !fw.config().getBool("ota.allow_downgrade")) {
            throw new Refused("downgrade from " + running + " to " + h.version() + " refused");
        }
        state.put("version", FirmwareImage.versionString(h.version()));
    }

    // ---------------------------------------------------------------- installing

    private void finish() {
        Download d = dl;
        d.writer.finish();
        try {
            SlotImageSource src = new SlotImageSource(d.area);
            ParsedImage p = ParsedImage.parse(src);
            String platform = FirmwareImage.platformOf(p).orElse("(none)");
            String ours = fw.config().getString("device.platform");
            if (!platform.equals(ours)) {
                throw new Refused("image is for platform " + platform + ", this device is " + ours);
            }
            long counter = FirmwareImage.securityCounterOf(p);
            long have = fw.securityCounter();
            if (counter < have) {
                throw new Refused("downgrade refused: security counter " + counter + " is below the device's " + have);
            }
            if (p.header().isEncrypted()) {
                state.put("phase", "decrypting");
                save();
                decryptInPlace(d, p);
            }
            var image = fw.control().installUpdate(d.slot);
            state.put("phase", "installed");
            state.put("version", FirmwareImage.versionString(image.version()));
            state.put("hash", HexFormat.of().formatHex(image.hash(), 0, 8));
            state.remove("offset");
            save();
            dl = null;
            fw.log("ota: " + image.version() + " installed in " + d.slot + "; rebooting into a test boot");
            event("installed", e -> e.put("version", FirmwareImage.versionString(image.version())));
            fw.rebootAfter(100, "update installed");
        } catch (ImageFormatException e) {
            fail("image refused: " + e.problem() + ": " + e.getMessage());
        } catch (UpdateRejectedException e) {
            fail("image refused: " + e.getMessage(), e.reason());
        } catch (Refused e) {
            fail(e.getMessage());
        }
    }

    /** Decrypts the payload sector by sector (AES-CTR, counter 0 at the start of the payload). */
    private void decryptInPlace(Download d, ParsedImage p) throws Refused, ImageFormatException {
        if (!fw.secureElement().canDecryptImages()) {
            throw new Refused("image is encrypted and this device has no decryption key");
        }
        TlvEntry enc = p.tlvs().stream().filter(e -> TlvType.isEncryptionKey(e.type())).findFirst()
                .orElseThrow(() -> new Refused("encrypted image without a key TLV"));
        byte[] key = fw.secureElement().unwrapImageKey(enc.tlv(), p.header().aesKeyLength(), enc.offset());
        long bodyStart = p.header().headerSize();
        long bodyEnd = bodyStart + p.header().imageSize();
        long pos = d.writer.sectorStart(bodyStart);
        try {
            Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
            while (pos < bodyEnd) {
                long next = pos + sectorLength(d, pos);
                byte[] sector = d.area.read(pos, (int) (next - pos));
                long from = Math.max(pos, bodyStart);
                long to = Math.min(next, bodyEnd);
                long rel = from - bodyStart;
                byte[] iv = new byte[16];
                long block = rel / 16;
                for (int i = 0; i < 8; i++) {
                    iv[15 - i] = (byte) (block >>> (8 * i));
                }
                ctr.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
                ctr.update(new byte[(int) (rel % 16)]);
                byte[] plain = ctr.update(sector, (int) (from - pos), (int) (to - from));
                System.arraycopy(plain, 0, sector, (int) (from - pos), plain.length);
                d.area.erase(pos, next - pos);
                d.area.write(pos, sector);
                pos = next;
            }
        } catch (GeneralSecurityException e) {
            throw new Refused("AES unavailable: " + e.getMessage());
        }
    }

    private static long sectorLength(Download d, long at) {
        long start = 0;
        for (var s : d.area.sectors()) {
            if (start == at) {
                return s.size();
            }
            start += s.size();
        }
        throw new IllegalStateException("no sector at " + at);
    }

    private void fail(String message) {
        fail(message, null);
    }

    private void fail(String message, RollbackReason reason) {
        fw.log("ota: " + message);
        if (dl != null) {
            close(dl);
        }
        dl = null;
        state.put("phase", "idle");
        state.remove("offset");
        result("failed", reason, message);
    }

    // ---------------------------------------------------------------- state and events

    private void result(String outcome, RollbackReason reason, String detail) {
        ObjectNode r = Json.object();
        r.put("state", outcome);
        if (reason != null) {
            r.put("reason", reason.name());
            r.put("description", reason.description());
        }
        if (detail != null) {
            r.put(outcome.equals("failed") ? "error" : "detail", detail);
        }
        if (state.has("version")) {
            r.put("version", state.get("version").asText());
        }
        r.put("running", FirmwareImage.versionString(fw.jump().image().version()));
        state.set("result", r);
        save();
        fw.publish("ota", r);
    }

    private void event(String name, java.util.function.Consumer<ObjectNode> fill) {
        ObjectNode e = Json.object();
        e.put("state", name);
        fill.accept(e);
        fw.publish("ota", e);
    }

    private ObjectNode loadState() {
        Optional<byte[]> b = fw.files().read(STATE_FILE);
        if (b.isPresent()) {
            try {
                if (Json.parse(b.get()) instanceof ObjectNode o) {
                    return o;
                }
            } catch (IllegalArgumentException e) {
                fw.log("ota: " + STATE_FILE + " unreadable; starting idle");
            }
        }
        ObjectNode o = Json.object();
        o.put("phase", "idle");
        return o;
    }

    private void save() {
        fw.files().write(STATE_FILE, Json.bytes(state));
    }

    /** OTA.Status. */
    public ObjectNode status() {
        ObjectNode s = state.deepCopy();
        if (dl != null) {
            s.put("bytes", dl.writer.accepted());
            s.put("total", dl.total);
        }
        BootStatus st = fw.control().bootState();
        ObjectNode boot = s.putObject("boot");
        boot.put("phase", st.phase().name().toLowerCase());
        boot.put("running", st.running().name());
        boot.put("committed", st.committed());
        boot.put("last_rollback", st.lastRollback().name());
        s.put("running_version", FirmwareImage.versionString(fw.jump().image().version()));
        return s;
    }
}
