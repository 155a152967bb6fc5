package dev.meerkat.cli.fleetservice;

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

/**
 * HTTP client of the fleet service's {@code /api/v1}. URL: {@code --url}, {@code
 * $MEERKAT_FLEET_URL} or {@value #DEFAULT_URL}; credentials: {@code $MEERKAT_FLEET_TOKEN}, {@code
 * $MEERKAT_FLEET_TOKEN_FILE}, else the admin token that {@code meerkat fleet-service serve} left in
 * its data directory.
 */
public final class FleetClient {
    public static final String DEFAULT_URL = "http://127.0.0.1:8471";
    static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public FleetClient(String url, String token) {
        this.base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        if (base.getScheme() == null
                || !(base.getScheme().equals("http") || base.getScheme().equals("https"))) {
            throw CliException.usage("fleet service URL must be http:// or https://, got " + url);
        }
        this.token = token;
    }

    public static FleetClient fromEnvironment(String url) {
        String u = url != null ? url : setting("meerkat.fleet.url", "MEERKAT_FLEET_URL");
        return new FleetClient(u != null ? u : DEFAULT_URL, token());
    }

    /** A system property (set by tests and wrappers) or else an environment variable. */
    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) v = System.getenv(env);
        return v == null || v.isBlank() ? null : v;
    }

    /**
     * The bearer token the fleet commands send ({@code $MEERKAT_FLEET_TOKEN}, {@code
     * $MEERKAT_FLEET_TOKEN_FILE}, else the local service's admin token), or null.
     */
    public static String token() {
        String t = setting("meerkat.fleet.token", "MEERKAT_FLEET_TOKEN");
        if (t != null) return t.strip();
        String file = setting("meerkat.fleet.token.file", "MEERKAT_FLEET_TOKEN_FILE");
        Path p =
                file != null
                        ? Path.of(file)
                        : FleetServiceCommand.defaultDataDir()
                                .resolve("tokens")
                                .resolve("admin.jwt");
        if (file == null && !Files.isRegularFile(p)) return null;
        try {
            return Files.readString(p).strip();
        } catch (IOException e) {
            throw new CliException(
                    ExitCode.IO, "cannot read the token file " + p + ": " + e.getMessage());
        }
    }

    public static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    public JsonNode get(String path) {
        return send("GET", path, null, null);
    }

    public JsonNode post(String path, Object jsonBody) {
        try {
            byte[] body =
                    jsonBody == null
                            ? "{}".getBytes(StandardCharsets.UTF_8)
                            : JSON.writeValueAsBytes(jsonBody);
            return send(
                    "POST", path, HttpRequest.BodyPublishers.ofByteArray(body), "application/json");
        } catch (IOException e) {
            throw new CliException(ExitCode.IO, e.getMessage(), e);
        }
    }

    public JsonNode postFile(String path, Path file, String contentType) {
        try {
            return send("POST", path, HttpRequest.BodyPublishers.ofFile(file), contentType);
        } catch (IOException e) {
            throw new CliException(ExitCode.IO, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private JsonNode send(
            String method, String path, HttpRequest.BodyPublisher body, String contentType) {
        try {
            HttpRequest.Builder b =
                    HttpRequest.newBuilder(URI.create(base + path))
                            .timeout(Duration.ofMinutes(5))
                            .header("Accept", "application/json, application/problem+json");
            if (token != null) b.header("Authorization", "Bearer " + token);
            if (contentType != null) b.header("Content-Type", contentType);
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : body);
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json = r.body().length == 0 ? null : parse(r.body());
            if (r.statusCode() >= 200 && r.statusCode() < 300) return json;
            String msg =
                    json != null && json.has("title")
                            ? json.path("title").asText()
                                    + (json.hasNonNull("detail")
                                            ? ": " + json.path("detail").asText()
                                            : "")
                            : new String(r.body(), StandardCharsets.UTF_8).strip();
            int code =
                    r.statusCode() >= 500
                            ? ExitCode.IO
                            : r.statusCode() == 400 ? ExitCode.USAGE : ExitCode.INVALID;
            throw new CliException(
                    code, "fleet service refused (HTTP " + r.statusCode() + "): " + msg);
        } catch (ConnectException e) {
            throw new CliException(
                    ExitCode.IO,
                    "cannot connect to the fleet service at "
                            + base
                            + " (start it with 'meerkat fleet-service serve')");
        } catch (IOException e) {
            throw new CliException(ExitCode.IO, "fleet service " + base + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.IO, "interrupted");
        }
    }

    private static JsonNode parse(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(new String(body, StandardCharsets.UTF_8));
        }
    }
}
