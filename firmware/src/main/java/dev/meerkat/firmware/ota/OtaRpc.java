package dev.meerkat.firmware.ota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.boot.BootStatus;
import dev.meerkat.firmware.device.DeviceContext;
import dev.meerkat.firmware.device.Library;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.firmware.rpc.RpcException;
import dev.meerkat.firmware.rpc.RpcHandler;
import dev.meerkat.image.ImageHeader;
import java.util.Base64;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The mg_rpc face of {@link OtaUpdate}: {@code OTA.Update {url, commit_timeout}}, {@code OTA.Begin
 * {size, commit_timeout}} / {@code OTA.Write {data}} / {@code OTA.End}, {@code OTA.Commit}, {@code
 * OTA.Revert {delay_ms}} and {@code OTA.Status}; and every update's events published on {@code
 * <device>/ota}.
 */
public final class OtaRpc implements Library {

    /** The origin of updates started through these methods. */
    public static final String ORIGIN = "rpc";

    private final OtaUpdate ota;
    private DeviceContext device;

    public OtaRpc(OtaUpdate ota) {
        this.ota = Objects.requireNonNull(ota);
    }

    @Override
    public String name() {
        return "ota-rpc";
    }

    @Override
    public int order() {
        return 51;
    }

    @Override
    public void init(DeviceContext d) {
        this.device = d;
        ota.addListener(e -> d.publish("ota", e.toJson()));
        add("OTA.Update", this::update);
        add(
                "OTA.Commit",
                a -> {
                    ota.commit("OTA.Commit");
                    return status();
                });
        add(
                "OTA.Revert",
                a -> {
                    try {
                        ota.revert(a.path("delay_ms").asLong(100), "OTA.Revert");
                    } catch (IllegalStateException e) {
                        throw new RpcException(409, e.getMessage());
                    }
                    return status();
                });
        add("OTA.Status", a -> status());
        add("OTA.Begin", this::begin);
        add("OTA.Write", this::write);
        add(
                "OTA.End",
                a -> {
                    try {
                        ota.endUpload();
                    } catch (IllegalStateException e) {
                        throw new RpcException(409, e.getMessage());
                    } catch (IllegalArgumentException e) {
                        throw RpcException.badRequest(e.getMessage());
                    }
                    return status();
                });
    }

    private void add(String method, RpcHandler h) {
        device.rpc().add(method, h);
    }

    private OptionalLong commitTimeout(JsonNode a) {
        return a.hasNonNull("commit_timeout")
                ? OptionalLong.of(a.get("commit_timeout").asLong())
                : OptionalLong.empty();
    }

    private JsonNode update(JsonNode a) throws RpcException {
        OtaUpdate.Request r;
        try {
            r =
                    new OtaUpdate.Request(
                            ORIGIN,
                            a.path("url").asText(""),
                            commitTimeout(a),
                            OtaUpdate.Expectations.none());
        } catch (IllegalArgumentException e) {
            throw RpcException.badRequest(e.getMessage());
        }
        try {
            ota.update(r);
        } catch (OtaUpdate.BusyException e) {
            throw new RpcException(409, e.getMessage());
        }
        return status();
    }

    private JsonNode begin(JsonNode a) throws RpcException {
        long size = a.path("size").asLong(0);
        long capacity = device.layout().slot(device.control().bootState().running().other()).size();
        if (ota.underTest()) {
            throw new RpcException(409, "an update is under test: commit or revert it first");
        }
        if (size <= ImageHeader.SIZE || size > capacity) {
            throw RpcException.badRequest("size must be 32.." + capacity);
        }
        try {
            ota.beginUpload(ORIGIN, size, commitTimeout(a));
        } catch (OtaUpdate.BusyException e) {
            throw new RpcException(409, e.getMessage());
        }
        return status();
    }

    private JsonNode write(JsonNode a) throws RpcException {
        if (!ota.uploading()) {
            throw new RpcException(409, "no OTA.Begin");
        }
        byte[] data;
        try {
            data = Base64.getDecoder().decode(a.path("data").asText(""));
        } catch (IllegalArgumentException e) {
            throw RpcException.badRequest("data must be base64");
        }
        long bytes;
        try {
            bytes = ota.upload(data);
        } catch (IllegalArgumentException e) {
            throw RpcException.badRequest(e.getMessage());
        }
        ObjectNode r = Json.object();
        r.put("bytes", bytes);
        return r;
    }

    /** OTA.Status: the recorded state, the transfer in progress, the boot state. */
    public ObjectNode status() {
        ObjectNode s = ota.state().toJson();
        ota.transferProgress()
                .ifPresent(
                        p -> {
                            s.put("bytes", p[0]);
                            s.put("total", p[1]);
                        });
        BootStatus st = device.control().bootState();
        ObjectNode boot = s.putObject("boot");
        boot.put("phase", st.phase().name().toLowerCase());
        boot.put("running", st.running().name());
        boot.put("committed", st.committed());
        boot.put("last_rollback", st.lastRollback().name());
        s.put("running_version", ota.runningVersion());
        return s;
    }
}
