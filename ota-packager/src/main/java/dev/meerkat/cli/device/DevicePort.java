package dev.meerkat.cli.device;

import dev.meerkat.cli.io.CliException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where a device answers RPC, as {@code --port} names it (the way {@code mos --port} does): {@code
 * http://host:port}, {@code https://…}, {@code ws://host:port}, {@code wss://…} (path {@code /rpc}
 * when none is given), or {@code mqtt://broker:port/<device-id>}, {@code mqtts://…/<device-id>} for
 * mg_rpc frames through a broker.
 *
 * @param scheme one of http, https, ws, wss, mqtt, mqtts
 * @param host host name or address
 * @param port TCP port
 * @param path request path for HTTP and WebSocket
 * @param deviceId device id for MQTT (the request topic is {@code <device-id>/rpc})
 */
public record DevicePort(String scheme, String host, int port, String path, String deviceId) {

    /** Parses {@code --port}; a one-line usage error names what is wrong. */
    public static DevicePort parse(String text) {
        URI u;
        try {
            u = new URI(text);
        } catch (URISyntaxException e) {
            throw CliException.usage("--port " + text + ": not a URL (" + e.getReason() + ")");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        int defaultPort =
                switch (scheme) {
                    case "http", "ws" -> 80;
                    case "https", "wss" -> 443;
                    case "mqtt" -> 1883;
                    case "mqtts" -> 8883;
                    default ->
                            throw CliException.usage(
                                    "--port "
                                            + text
                                            + ": use http://, https://, ws://, wss://, mqtt://BROKER/DEVICE-ID or mqtts://BROKER/DEVICE-ID");
                };
        if (u.getHost() == null) {
            throw CliException.usage("--port " + text + ": no host");
        }
        if (u.getUserInfo() != null) {
            throw CliException.usage(
                    "--port "
                            + text
                            + ": credentials do not belong in the URL; use --user and "
                            + "--password-file (or --credentials)");
        }
        int port = u.getPort() < 0 ? defaultPort : u.getPort();
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        if (scheme.startsWith("mqtt")) {
            String id = path.startsWith("/") ? path.substring(1) : path;
            if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
                throw CliException.usage(
                        "--port "
                                + text
                                + ": give the device id as the path, "
                                + "mqtt://BROKER:PORT/DEVICE-ID");
            }
            return new DevicePort(scheme, u.getHost(), port, "", id);
        }
        return new DevicePort(
                scheme, u.getHost(), port, path.isEmpty() || path.equals("/") ? "/rpc" : path, "");
    }

    public boolean tls() {
        return scheme.equals("https") || scheme.equals("wss") || scheme.equals("mqtts");
    }

    public boolean mqtt() {
        return scheme.startsWith("mqtt");
    }

    public boolean webSocket() {
        return scheme.startsWith("ws");
    }

    /** The URL of the device's RPC endpoint, or of the broker (without the device id). */
    public URI uri() {
        String hostPart = host.contains(":") ? "[" + host + "]" : host;
        if (mqtt()) {
            return URI.create((tls() ? "ssl" : "tcp") + "://" + hostPart + ":" + port);
        }
        return URI.create(scheme + "://" + hostPart + ":" + port + path);
    }

    @Override
    public String toString() {
        String hostPart = host.contains(":") ? "[" + host + "]" : host;
        return scheme + "://" + hostPart + ":" + port + (mqtt() ? "/" + deviceId : path);
    }
}
