package dev.meerkat.firmware;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.boot.BootStatus;
import dev.meerkat.firmware.app.FirmwareImage;
import dev.meerkat.firmware.config.Config;
import dev.meerkat.firmware.device.DeviceContext;
import dev.meerkat.firmware.device.Library;
import dev.meerkat.firmware.fs.FileStore;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.firmware.rpc.RpcException;
import dev.meerkat.firmware.rpc.RpcHandler;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Built-in RPC methods: Sys.GetInfo/Reboot, Config.Get/Set/Save, FS.List/Get/Put/Remove, RPC.List.
 */
final class SysLibrary implements Library {

    private static final int FS_GET_MAX = 4096;

    @Override
    public String name() {
        return "rpc-common";
    }

    @Override
    public int order() {
        return 10;
    }

    @Override
    public void init(DeviceContext fw) {
        add(fw, "Sys.GetInfo", a -> info(fw));
        add(
                fw,
                "Sys.Reboot",
                a -> {
                    fw.rebootAfter(a.path("delay_ms").asLong(100), "Sys.Reboot");
                    return null;
                });
        add(fw, "Config.Get", a -> fw.config().get(a.path("key").asText(""), true));
        add(
                fw,
                "Config.Set",
                a -> {
                    JsonNode c = a.get("config");
                    if (c == null) {
                        throw RpcException.badRequest("config is required");
                    }
                    fw.config().set(c, a.path("level").asInt(Config.USER_LEVEL));
                    if (a.path("save").asBoolean(false)) {
                        fw.config().save();
                    }
                    if (a.path("reboot").asBoolean(false)) {
                        fw.rebootAfter(100, "Config.Set");
                    }
                    ObjectNode r = Json.object();
                    r.put("saved", !fw.config().isDirty());
                    return r;
                });
        add(
                fw,
                "Config.Save",
                a -> {
                    fw.config().save();
                    if (a.path("reboot").asBoolean(false)) {
                        fw.rebootAfter(100, "Config.Save");
                    }
                    ObjectNode r = Json.object();
                    r.put("saved", true);
                    return r;
                });
        add(
                fw,
                "FS.List",
                a -> {
                    ArrayNode list = Json.MAPPER.createArrayNode();
                    fw.files().list().forEach(list::add);
                    return list;
                });
        add(
                fw,
                "FS.Get",
                a -> {
                    String name = fileArg(a);
                    if (name.matches("conf.*\\.json")) {
                        throw new RpcException(403, name + " may hold secrets; use Config.Get");
                    }
                    byte[] content =
                            fw.files()
                                    .read(name)
                                    .or(
                                            () ->
                                                    java.util.Optional.ofNullable(
                                                            fw.bundle().files().get(name)))
                                    .orElseThrow(
                                            () ->
                                                    new RpcException(
                                                            RpcException.NOT_FOUND,
                                                            "no file " + name));
                    int off =
                            (int) Math.min(content.length, Math.max(0, a.path("offset").asLong(0)));
                    int len =
                            (int) Math.min(content.length - off, a.path("len").asLong(FS_GET_MAX));
                    ObjectNode r = Json.object();
                    r.put(
                            "data",
                            Base64.getEncoder()
                                    .encodeToString(Arrays.copyOfRange(content, off, off + len)));
                    r.put("left", content.length - off - len);
                    return r;
                });
        add(
                fw,
                "FS.Put",
                a -> {
                    String name = fileArg(a);
                    byte[] data;
                    try {
                        data = Base64.getDecoder().decode(a.path("data").asText(""));
                    } catch (IllegalArgumentException e) {
                        throw RpcException.badRequest("data must be base64");
                    }
                    if (a.path("append").asBoolean(false)) {
                        byte[] old = fw.files().read(name).orElse(new byte[0]);
                        byte[] all = Arrays.copyOf(old, old.length + data.length);
                        System.arraycopy(data, 0, all, old.length, data.length);
                        data = all;
                    }
                    fw.files().write(name, data);
                    return null;
                });
        add(
                fw,
                "FS.Remove",
                a -> {
                    String name = fileArg(a);
                    if (!fw.files().delete(name)) {
                        throw new RpcException(RpcException.NOT_FOUND, "no file " + name);
                    }
                    return null;
                });
        add(
                fw,
                "RPC.List",
                a -> {
                    ArrayNode list = Json.MAPPER.createArrayNode();
                    fw.rpc().methods().forEach(list::add);
                    return list;
                });
    }

    private static String fileArg(JsonNode a) throws RpcException {
        String name = a.path("filename").asText("");
        try {
            return FileStore.checkName(name);
        } catch (IllegalArgumentException e) {
            throw RpcException.badRequest(e.getMessage());
        }
    }

    private static void add(DeviceContext fw, String method, RpcHandler h) {
        fw.rpc().add(method, h);
    }

    private static JsonNode info(DeviceContext fw) {
        ObjectNode r = Json.object();
        r.put("id", fw.deviceId());
        r.put("app", fw.bundle().name());
        r.put("fw_version", FirmwareImage.versionString(fw.jump().image().version()));
        r.put("fw_id", HexFormat.of().formatHex(fw.jump().image().hash(), 0, 8));
        r.put("arch", fw.config().getString("device.platform"));
        r.put("uptime", fw.uptime().toSeconds());
        r.put("slot", fw.jump().slot().name());
        r.put("boot_mode", fw.jump().mode().name().toLowerCase());
        r.put("reset_cause", fw.resetCause().name().toLowerCase());
        r.put("crypto", fw.secureElement().kind());
        BootStatus st = fw.control().bootState();
        r.put("boot_state", st.phase().name().toLowerCase());
        r.put("last_rollback", st.lastRollback().name());
        r.put("security_counter", fw.securityCounter());
        fw.mqtt()
                .ifPresent(
                        m -> {
                            ObjectNode mq = r.putObject("mqtt");
                            mq.put("connected", m.isConnected());
                            mq.put("queued", m.queued());
                            mq.put("dropped", m.dropped());
                        });
        return r;
    }
}
