package dev.meerkat.firmware;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client side of HTTP Digest (RFC 7616, MD5, qop=auth), written from the RFC for the JDK's
 * HttpClient and WebSocket, which do not speak Digest themselves; interop with independent clients
 * is shown with curl and HttpURLConnection.
 */
final class DigestClient {

    private static final Pattern PARAM = Pattern.compile("(\\w+)=(?:\"([^\"]*)\"|([^,\\s]+))");

    private final String user;
    private final String password;
    private int nc;

    DigestClient(String user, String password) {
        this.user = user;
        this.password = password;
    }

    static Map<String, String> params(String challenge) {
        Map<String, String> m = new TreeMap<>();
        Matcher x = PARAM.matcher(challenge.substring(challenge.indexOf(' ') + 1));
        while (x.find()) {
            m.put(x.group(1), x.group(2) != null ? x.group(2) : x.group(3));
        }
        return m;
    }

    static String md5(String s) {
        try {
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("MD5")
                                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An {@code Authorization} header answering {@code challenge} for {@code method uri}. */
    String authorization(String challenge, String method, String uri) {
        Map<String, String> c = params(challenge);
        String realm = c.get("realm");
        String nonce = c.get("nonce");
        String count = String.format("%08x", ++nc);
        String cnonce = Long.toHexString(System.nanoTime());
        String ha1 = md5(user + ":" + realm + ":" + password);
        String response =
                md5(
                        ha1
                                + ":"
                                + nonce
                                + ":"
                                + count
                                + ":"
                                + cnonce
                                + ":auth:"
                                + md5(method + ":" + uri));
        return "Digest username=\""
                + user
                + "\", realm=\""
                + realm
                + "\", nonce=\""
                + nonce
                + "\", uri=\""
                + uri
                + "\", qop=auth, nc="
                + count
                + ", cnonce=\""
                + cnonce
                + "\", response=\""
                + response
                + "\", algorithm=MD5";
    }

    /**
     * mg_rpc frame credentials answering a 401 error frame's challenge {@code {"nonce","realm"}}.
     */
    ObjectNode frameAuth(String realm, String nonce) {
        String cnonce = Long.toHexString(System.nanoTime());
        String ha1 = md5(user + ":" + realm + ":" + password);
        String response =
                md5(ha1 + ":" + nonce + ":1:" + cnonce + ":auth:" + md5("dummy_method:dummy_uri"));
        ObjectNode a = Json.object();
        a.put("realm", realm)
                .put("username", user)
                .put("nonce", nonce)
                .put("cnonce", cnonce)
                .put("response", response);
        return a;
    }

    /** POSTs {@code body}; on 401 answers the challenge once. */
    HttpResponse<String> post(HttpClient http, String url, String body) throws Exception {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 401) {
            return r;
        }
        String challenge = r.headers().firstValue("WWW-Authenticate").orElseThrow();
        return http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header(
                                "Authorization",
                                authorization(challenge, "POST", URI.create(url).getRawPath()))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A challenge from the device (an anonymous call answered 401). */
    static String challenge(HttpClient http, int port) throws Exception {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + port + "/rpc/Sys.GetInfo"))
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return r.headers().firstValue("WWW-Authenticate").orElseThrow();
    }
}
