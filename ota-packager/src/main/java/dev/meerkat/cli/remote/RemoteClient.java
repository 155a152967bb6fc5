package dev.meerkat.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * HTTP client for the signing service's JSON API. Credentials come from the environment: {@code
 * MEERKAT_TOKEN} (or the file named by {@code MEERKAT_TOKEN_FILE}) for a bearer token, {@code
 * MEERKAT_CLIENT_P12}/{@code MEERKAT_CLIENT_P12_PASSWORD} for a client certificate, and {@code
 * MEERKAT_CA} for a PEM file of CA certificates to trust. Java system properties {@code
 * meerkat.token}, {@code meerkat.token.file}, {@code meerkat.client.p12}, {@code
 * meerkat.client.p12.password} and {@code meerkat.ca} take precedence.
 */
public final class RemoteClient {
    /** Where the service listens when started with {@code meerkat serve}. */
    public static final String DEFAULT_URL = "http://127.0.0.1:8470";

    static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final HttpClient http;

    /** A response: status, body and the headers the commands use. */
    public record Reply(int status, JsonNode json, String text, HttpResponse<byte[]> raw) {}

    public RemoteClient(String url, String token, SSLContext ssl) {
        this.base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        if (base.getScheme() == null
                || !(base.getScheme().equals("http") || base.getScheme().equals("https"))) {
            throw CliException.usage("service URL must be http:// or https://, got " + url);
        }
        this.token = token;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (ssl != null) b.sslContext(ssl);
        this.http = b.build();
    }

    /**
     * A client for {@code url} (or {@code MEERKAT_URL}, or the default) with credentials from the
     * environment.
     */
    public static RemoteClient fromEnvironment(String url) {
        String u = url != null ? url : setting("meerkat.url", "MEERKAT_URL");
        return new RemoteClient(u != null ? u : DEFAULT_URL, token(), sslContext());
    }

    static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isEmpty()) v = System.getenv(env);
        return v == null || v.isEmpty() ? null : v;
    }

    private static String token() {
        String t = setting("meerkat.token", "MEERKAT_TOKEN");
        if (t != null) return t.strip();
        String file = setting("meerkat.token.file", "MEERKAT_TOKEN_FILE");
        if (file == null) return null;
        try {
            return Files.readString(Path.of(file)).strip();
        } catch (IOException e) {
            throw new CliException(
                    ExitCode.IO, "cannot read the token file " + file + ": " + e.getMessage());
        }
    }

    private static SSLContext sslContext() {
        String ca = setting("meerkat.ca", "MEERKAT_CA");
        String p12 = setting("meerkat.client.p12", "MEERKAT_CLIENT_P12");
        if (ca == null && p12 == null) return null;
        String pw =
                p12 == null
                        ? null
                        : setting("meerkat.client.p12.password", "MEERKAT_CLIENT_P12_PASSWORD");
        return TlsFiles.context(
                ca == null ? null : Path.of(ca),
                p12 == null ? null : Path.of(p12),
                pw == null ? null : pw.toCharArray());
    }

    public URI base() {
        return base;
    }

    public static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** GET expecting JSON; problems become {@link CliException}s. */
    public JsonNode get(String path) {
        return ok(send("GET", path, null)).json();
    }

    /** POST a JSON body; returns the reply even for 202 so callers can see pending requests. */
    public Reply post(String path, Object body) {
        return ok(send("POST", path, body));
    }

    /** GET expecting text (e.g. a PEM). */
    public Reply getText(String path) {
        return ok(send("GET", path, null));
    }

    /** GET of a non-JSON document (a CRL, a PEM chain) with the given Accept type. */
    public Reply getAs(String path, String accept) {
        return ok(send("GET", path, null, accept + ", application/problem+json"));
    }

    private Reply send(String method, String path, Object body) {
        return send(method, path, body, "application/json, text/plain, application/problem+json");
    }

    private Reply send(String method, String path, Object body, String accept) {
        try {
            HttpRequest.Builder b =
                    HttpRequest.newBuilder(URI.create(base + path))
                            .timeout(Duration.ofSeconds(120))
                            .header("Accept", accept);
            if (token != null) b.header("Authorization", "Bearer " + token);
            if (body != null) {
                b.header("Content-Type", "application/json");
                b.method(
                        method,
                        HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            } else if (method.equals("POST")) {
                b.header("Content-Type", "application/json");
                b.method(method, HttpRequest.BodyPublishers.ofString("{}"));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            String ct = r.headers().firstValue("Content-Type").orElse("");
            String text = new String(r.body(), StandardCharsets.UTF_8);
            JsonNode json =
                    ct.contains("json") && r.body().length > 0 ? JSON.readTree(r.body()) : null;
            return new Reply(r.statusCode(), json, text, r);
        } catch (ConnectException e) {
            throw new CliException(
                    ExitCode.IO,
                    "cannot connect to the signing service at "
                            + base
                            + " (start it with 'meerkat serve')");
        } catch (IOException e) {
            throw new CliException(
                    ExitCode.IO, "signing service " + base + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.IO, "interrupted");
        }
    }

    private static Reply ok(Reply r) {
        if (r.status() >= 200 && r.status() < 300) return r;
        String msg;
        if (r.json() != null && r.json().has("title")) {
            msg =
                    r.json().path("title").asText()
                            + (r.json().hasNonNull("detail")
                                    ? ": " + r.json().path("detail").asText()
                                    : "");
        } else {
            msg = r.text().isBlank() ? "no details" : r.text().strip();
        }
        int code =
                r.status() >= 500
                        ? ExitCode.IO
                        : r.status() == 400 ? ExitCode.USAGE : ExitCode.INVALID;
        throw new CliException(code, "signing service refused (HTTP " + r.status() + "): " + msg);
    }
}
