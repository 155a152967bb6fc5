package dev.meerkat.firmware.agent.ddi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.firmware.device.Network;
import dev.meerkat.firmware.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.util.Map;

/**
 * JSON over HTTP(S) to a DDI server with the device's credentials. Answers are bounded (a DDI
 * document is small); any status but 2xx is an {@link HttpStatus}.
 */
final class DdiClient {

    /** A non-2xx answer. */
    static final class HttpStatus extends IOException {
        private static final long serialVersionUID = 1L;
        final int status;

        HttpStatus(int status, String what) {
            super("HTTP " + status + " for " + what);
            this.status = status;
        }
    }

    private static final int MAX_BODY = 64 * 1024;

    private final Network network;
    private final String caFile;
    private final Map<String, String> credentials;

    DdiClient(Network network, String caFile, Map<String, String> credentials) {
        this.network = network;
        this.caFile = caFile;
        this.credentials = Map.copyOf(credentials);
    }

    JsonNode get(String url) throws IOException {
        HttpURLConnection c = open(url, "GET");
        try {
            check(c, url);
            try (InputStream in = c.getInputStream()) {
                byte[] body = in.readNBytes(MAX_BODY + 1);
                if (body.length > MAX_BODY) {
                    throw new IOException(url + " answered more than " + MAX_BODY + " bytes");
                }
                return Json.parse(body);
            } catch (IllegalArgumentException e) {
                throw new IOException(url + " answered no JSON: " + e.getMessage());
            }
        } finally {
            c.disconnect();
        }
    }

    /** The body of {@code url}, refused beyond {@code max} bytes. */
    byte[] bytes(String url, int max) throws IOException {
        HttpURLConnection c = open(url, "GET", "application/octet-stream");
        try {
            check(c, url);
            try (InputStream in = c.getInputStream()) {
                byte[] body = in.readNBytes(max + 1);
                if (body.length > max) {
                    throw new IOException(url + " is larger than " + max + " bytes");
                }
                return body;
            }
        } finally {
            c.disconnect();
        }
    }

    /** Sends {@code body} with {@code method} (POST, PUT); the answer's body is ignored. */
    void send(String method, String url, JsonNode body) throws IOException {
        HttpURLConnection c = open(url, method);
        try {
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = c.getOutputStream()) {
                out.write(Json.bytes(body));
            }
            check(c, url);
        } finally {
            c.disconnect();
        }
    }

    private static final String JSON = "application/hal+json, application/json";

    private HttpURLConnection open(String url, String method) throws IOException {
        return open(url, method, JSON);
    }

    private HttpURLConnection open(String url, String method, String accept) throws IOException {
        HttpURLConnection c = network.openHttp(url, caFile);
        c.setRequestMethod(method);
        c.setRequestProperty("Accept", accept);
        credentials.forEach(c::setRequestProperty);
        return c;
    }

    private static void check(HttpURLConnection c, String url) throws IOException {
        int code = c.getResponseCode();
        if (code / 100 != 2) {
            throw new HttpStatus(code, url);
        }
    }
}
