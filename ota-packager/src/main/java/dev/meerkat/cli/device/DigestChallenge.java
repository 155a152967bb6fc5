package dev.meerkat.cli.device;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The client side of HTTP Digest (RFC 7616, {@code algorithm=MD5}, {@code qop=auth}, what the
 * device implements): remembers the nonce of the last challenge and counts {@code nc} up, so one
 * challenge serves many requests until the device calls it stale.
 */
final class DigestChallenge {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String realm;
    private final String nonce;
    private final String opaque;
    private long nc;

    private DigestChallenge(String realm, String nonce, String opaque) {
        this.realm = realm;
        this.nonce = nonce;
        this.opaque = opaque;
    }

    /**
     * From a {@code WWW-Authenticate: Digest …} header; null when it is not a usable Digest
     * challenge.
     */
    static DigestChallenge fromHeader(String header) {
        if (header == null || !header.regionMatches(true, 0, "Digest ", 0, 7)) {
            return null;
        }
        Map<String, String> p = params(header.substring(7));
        String alg = p.getOrDefault("algorithm", "MD5");
        if (!alg.equalsIgnoreCase("MD5")
                || p.get("nonce") == null
                || p.get("realm") == null
                || !p.getOrDefault("qop", "auth").toLowerCase(Locale.ROOT).contains("auth")) {
            return null;
        }
        return new DigestChallenge(p.get("realm"), p.get("nonce"), p.get("opaque"));
    }

    /** From the challenge object an mg_rpc 401 frame carries in its message. */
    static DigestChallenge fromFrame(String realm, String nonce) {
        return new DigestChallenge(realm, nonce, null);
    }

    String realm() {
        return realm;
    }

    /** The {@code Authorization} header for {@code method uri}. */
    synchronized String authorization(DeviceCredentials c, String method, String uri) {
        String ncText = String.format("%08x", ++nc);
        String cnonce = cnonce();
        String response = response(c, method, uri, ncText, cnonce);
        return "Digest username=\""
                + c.user()
                + "\", realm=\""
                + realm
                + "\", nonce=\""
                + nonce
                + "\", uri=\""
                + uri
                + "\", algorithm=MD5, qop=auth, nc="
                + ncText
                + ", cnonce=\""
                + cnonce
                + "\", response=\""
                + response
                + "\""
                + (opaque == null ? "" : ", opaque=\"" + opaque + "\"");
    }

    /**
     * The {@code auth} object of an mg_rpc frame (method {@code dummy_method}, uri {@code
     * dummy_uri}).
     */
    synchronized Map<String, String> frameAuth(DeviceCredentials c) {
        String ncText = String.format("%08x", ++nc);
        String cnonce = cnonce();
        Map<String, String> a = new TreeMap<>();
        a.put("realm", realm);
        a.put("username", c.user());
        a.put("nonce", nonce);
        a.put("nc", ncText);
        a.put("cnonce", cnonce);
        a.put("response", response(c, "dummy_method", "dummy_uri", ncText, cnonce));
        return a;
    }

    private String response(
            DeviceCredentials c, String method, String uri, String ncText, String cnonce) {
        String ha1 = HexFormat.of().formatHex(c.ha1(realm));
        String ha2 = hex(method + ":" + uri);
        return hex(ha1 + ":" + nonce + ":" + ncText + ":" + cnonce + ":auth:" + ha2);
    }

    private static String cnonce() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String hex(String s) {
        return HexFormat.of().formatHex(DeviceCredentials.md5(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code name=token, name="quoted"} pairs. */
    private static Map<String, String> params(String s) {
        Map<String, String> out = new TreeMap<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == ',' || s.charAt(i) == '\t')) {
                i++;
            }
            int eq = s.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String name = s.substring(i, eq).strip().toLowerCase(Locale.ROOT);
            i = eq + 1;
            StringBuilder v = new StringBuilder();
            if (i < n && s.charAt(i) == '"') {
                i++;
                while (i < n && s.charAt(i) != '"') {
                    char ch = s.charAt(i++);
                    if (ch == '\\' && i < n) {
                        ch = s.charAt(i++);
                    }
                    v.append(ch);
                }
                i++;
            } else {
                while (i < n && s.charAt(i) != ',') {
                    v.append(s.charAt(i++));
                }
            }
            out.put(name, v.toString().strip());
        }
        return out;
    }
}
