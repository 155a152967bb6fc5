package dev.meerkat.firmware.rpc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The server side of HTTP Digest authentication (RFC 7616 with {@code algorithm=MD5} and {@code
 * qop=auth}, which is what htdigest files and Mongoose OS support; RFC 2617 clients such as curl
 * and browsers speak it).
 *
 * <p>Nonces are stateless: {@code base64url(issued-millis ‖ HMAC-SHA256(boot key,
 * issued-millis)[0..16])}, valid for {@link #NONCE_LIFETIME_MILLIS}; the key is random per boot, so
 * a reboot invalidates them. Replays are refused: per nonce the highest {@code nc} seen is kept
 * (for the most recent {@value #TRACKED_NONCES} nonces) and a request must use a higher one.
 * Responses and HMACs are compared in constant time. Thread-safe.
 */
public final class DigestAuth {

    /** How long a nonce is accepted. */
    public static final long NONCE_LIFETIME_MILLIS = 5 * 60_000;

    private static final int TRACKED_NONCES = 1024;

    /** The result of checking presented credentials. */
    public sealed interface Outcome {
        /** The caller proved to be {@code user}. */
        record Authenticated(String user) implements Outcome {}

        /**
         * Refused; {@code stale} when only the nonce had expired (the client may retry at once).
         */
        record Refused(String why, boolean stale) implements Outcome {}
    }

    private final String realm;
    private final byte[] key;
    private final LongSupplier clock;
    private final Map<String, Long> lastNc =
            new LinkedHashMap<>(64, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Long> e) {
                    return size() > TRACKED_NONCES;
                }
            };

    /**
     * @param clock milliseconds (monotonic enough for nonce expiry)
     */
    public DigestAuth(String realm, SecureRandom random, LongSupplier clock) {
        this.realm = realm;
        this.key = new byte[32];
        random.nextBytes(key);
        this.clock = clock;
    }

    public String realm() {
        return realm;
    }

    /** A fresh nonce. */
    public String nonce() {
        long now = clock.getAsLong();
        ByteBuffer b = ByteBuffer.allocate(24).putLong(now).put(mac(now), 0, 16);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /** The {@code WWW-Authenticate} value of a 401 answer. */
    public String challenge(boolean stale) {
        return "Digest realm=\""
                + realm
                + "\", qop=\"auth\", algorithm=MD5, nonce=\""
                + nonce()
                + "\""
                + (stale ? ", stale=true" : "");
    }

    /**
     * Checks an {@code Authorization: Digest …} header of a request {@code httpMethod requestUri}.
     */
    public Outcome verifyHeader(
            String httpMethod, String requestUri, String authorization, RpcCredentials users) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Digest ", 0, 7)) {
            return new Outcome.Refused("no Digest credentials", false);
        }
        Map<String, String> p = params(authorization.substring(7));
        if (p == null) {
            return new Outcome.Refused("malformed Digest credentials", false);
        }
        String alg = p.getOrDefault("algorithm", "MD5");
        if (!alg.equalsIgnoreCase("MD5")) {
            return new Outcome.Refused(
                    "algorithm " + alg + " is not supported (MD5, as htdigest files hold)", false);
        }
        if (!requestUri.equals(p.get("uri"))) {
            return new Outcome.Refused("uri does not match the request", false);
        }
        return verify(
                httpMethod,
                p.get("uri"),
                p.get("username"),
                p.get("realm"),
                p.get("nonce"),
                p.get("nc"),
                p.get("cnonce"),
                p.get("qop"),
                p.get("response"),
                users);
    }

    /**
     * Checks mg_rpc frame credentials {@code
     * {"realm","username","nonce","cnonce","response"[,"nc"]}}: a Digest response computed with
     * method {@code dummy_method}, uri {@code dummy_uri} and qop {@code auth}, as Mongoose OS's RPC
     * frames carry them.
     */
    public Outcome verifyFrame(
            String username,
            String frameRealm,
            String nonce,
            String nc,
            String cnonce,
            String response,
            RpcCredentials users) {
        return verify(
                "dummy_method",
                "dummy_uri",
                username,
                frameRealm,
                nonce,
                nc == null ? "1" : nc,
                cnonce,
                "auth",
                response,
                users);
    }

    private Outcome verify(
            String method,
            String uri,
            String user,
            String r,
            String nonce,
            String nc,
            String cnonce,
            String qop,
            String response,
            RpcCredentials users) {
        if (user == null
                || r == null
                || nonce == null
                || nc == null
                || cnonce == null
                || response == null) {
            return new Outcome.Refused("incomplete Digest credentials", false);
        }
        if (!"auth".equals(qop)) {
            return new Outcome.Refused("qop must be auth", false);
        }
        if (!realm.equals(r)) {
            return new Outcome.Refused("wrong realm", false);
        }
        long count;
        try {
            count = Long.parseLong(nc, 16);
        } catch (NumberFormatException e) {
            return new Outcome.Refused("bad nc", false);
        }
        Optional<String> nonceProblem = checkNonce(nonce);
        if (nonceProblem.isPresent()) {
            return new Outcome.Refused(
                    nonceProblem.get(), nonceProblem.get().equals("stale nonce"));
        }
        Optional<byte[]> ha1 = users.ha1(user, realm);
        // compute a response even for an unknown user, so timing does not tell which users exist
        byte[] h1 = ha1.orElseGet(() -> new byte[16]);
        String ha2 = hex(RpcCredentials.md5(method + ":" + uri, new byte[0]));
        byte[] expected =
                hex(RpcCredentials.md5(
                                hex(h1) + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":"
                                        + ha2,
                                new byte[0]))
                        .getBytes(StandardCharsets.US_ASCII);
        boolean match =
                MessageDigest.isEqual(
                        expected,
                        response.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
        if (ha1.isEmpty() || !match) {
            return new Outcome.Refused("wrong user or password", false);
        }
        synchronized (lastNc) {
            Long last = lastNc.get(nonce);
            if (last != null && count <= last) {
                return new Outcome.Refused("replayed request (nc " + nc + ")", false);
            }
            lastNc.put(nonce, count);
        }
        return new Outcome.Authenticated(user);
    }

    private Optional<String> checkNonce(String nonce) {
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(nonce);
        } catch (IllegalArgumentException e) {
            return Optional.of("unknown nonce");
        }
        if (raw.length != 24) {
            return Optional.of("unknown nonce");
        }
        ByteBuffer b = ByteBuffer.wrap(raw);
        long issued = b.getLong();
        byte[] tag = new byte[16];
        b.get(tag);
        byte[] want = new byte[16];
        System.arraycopy(mac(issued), 0, want, 0, 16);
        if (!MessageDigest.isEqual(tag, want)) {
            return Optional.of("unknown nonce");
        }
        long age = clock.getAsLong() - issued;
        if (age < 0 || age > NONCE_LIFETIME_MILLIS) {
            return Optional.of("stale nonce");
        }
        return Optional.empty();
    }

    private byte[] mac(long issued) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return m.doFinal(ByteBuffer.allocate(8).putLong(issued).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** Parses {@code name=token, name="quoted \" string", …}; null when malformed or repeated. */
    static Map<String, String> params(String s) {
        Map<String, String> out = new TreeMap<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == ',' || s.charAt(i) == '\t')) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int eq = s.indexOf('=', i);
            if (eq < 0) {
                return null;
            }
            String name = s.substring(i, eq).strip().toLowerCase(Locale.ROOT);
            i = eq + 1;
            StringBuilder v = new StringBuilder();
            if (i < n && s.charAt(i) == '"') {
                i++;
                while (i < n && s.charAt(i) != '"') {
                    char c = s.charAt(i++);
                    if (c == '\\' && i < n) {
                        c = s.charAt(i++);
                    }
                    v.append(c);
                }
                if (i >= n) {
                    return null;
                }
                i++;
            } else {
                while (i < n && s.charAt(i) != ',') {
                    v.append(s.charAt(i++));
                }
            }
            if (name.isEmpty() || out.put(name, v.toString().strip()) != null) {
                return null;
            }
        }
        return out;
    }
}
