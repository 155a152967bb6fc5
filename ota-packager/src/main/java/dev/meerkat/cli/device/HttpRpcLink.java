package dev.meerkat.cli.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.firmware.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * RPC over HTTP(S): each call is {@code POST /rpc} with a whole mg_rpc frame, authenticated with an
 * HTTP Digest {@code Authorization} header (RFC 7616) once the device has sent a challenge, or by
 * the TLS client certificate alone.
 */
final class HttpRpcLink implements RpcLink {

    private final DevicePort port;
    private final DeviceCredentials credentials;
    private final Duration timeout;
    private final HttpClient client;
    private final URI uri;
    private long nextId = new SecureRandom().nextInt(1 << 20) + 1L;
    private DigestChallenge challenge;

    HttpRpcLink(DevicePort port, DeviceCredentials credentials, SSLContext tls, Duration timeout) {
        this.port = port;
        this.credentials = credentials;
        this.timeout = timeout;
        HttpClient.Builder b =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(timeout);
        if (tls != null) {
            b.sslContext(tls);
        }
        this.client = b.build();
        this.uri = port.uri();
    }

    @Override
    public JsonNode call(String method, JsonNode args) {
        ObjectNode frame = Json.object();
        frame.put("id", nextId++);
        frame.put("method", method);
        if (args != null) {
            frame.set("args", args);
        }
        byte[] body = Json.bytes(frame);
        HttpResponse<byte[]> r = post(body);
        // answer a first challenge (or a new one after a stale nonce); a second refusal is final
        for (int attempt = 0;
                r.statusCode() == 401 && credentials.present() && attempt < 2;
                attempt++) {
            DigestChallenge c =
                    DigestChallenge.fromHeader(
                            r.headers().firstValue("WWW-Authenticate").orElse(null));
            boolean stale =
                    r.headers().firstValue("WWW-Authenticate").orElse("").contains("stale=true");
            if (c == null || (attempt > 0 && !stale)) {
                break;
            }
            challenge = c;
            r = post(body);
        }
        JsonNode resp;
        try {
            resp = Json.parse(r.body());
        } catch (IllegalArgumentException e) {
            throw new CliException(
                    ExitCode.IO,
                    port
                            + " answered HTTP "
                            + r.statusCode()
                            + " without an mg_rpc frame"
                            + " (is it a Meerkat device's RPC port?)");
        }
        if (resp.has("error")) {
            throw DeviceError.of(method, resp.get("error"));
        }
        if (r.statusCode() != 200) {
            throw new CliException(ExitCode.IO, port + " answered HTTP " + r.statusCode());
        }
        JsonNode result = resp.get("result");
        return result == null || result.isNull() ? null : result;
    }

    private HttpResponse<byte[]> post(byte[] body) {
        HttpRequest.Builder rb =
                HttpRequest.newBuilder(uri)
                        .timeout(timeout)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (challenge != null && credentials.present()) {
            rb.header(
                    "Authorization",
                    challenge.authorization(credentials, "POST", uri.getRawPath()));
        }
        try {
            return client.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (SSLException e) {
            throw new CliException(
                    ExitCode.IO,
                    "TLS with "
                            + port
                            + " failed: "
                            + e.getMessage()
                            + " (check --ca-cert, --cert and --key)",
                    e);
        } catch (IOException e) {
            throw new CliException(ExitCode.IO, "cannot reach " + port + ": " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.IO, "interrupted", e);
        }
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    @Override
    public String describe() {
        return port.toString();
    }

    @Override
    public void close() {
        // HttpClient (Java 17) has nothing to close; its connections end with the process
    }
}
