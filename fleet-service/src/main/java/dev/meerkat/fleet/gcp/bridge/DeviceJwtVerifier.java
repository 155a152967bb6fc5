package dev.meerkat.fleet.gcp.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.fleet.gcp.DeviceCredential;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * Checks the JWT a device presents as its MQTT password, by Cloud IoT Core's rules: ES256 or RS256
 * signed by one of the device's registered, unexpired keys of that algorithm; {@code aud} = the
 * project; {@code iat} and {@code exp} present, {@code exp - iat} at most 24 h, both within a 10
 * minute clock skew of now. Fails closed: anything unexpected is a refusal.
 */
public final class DeviceJwtVerifier {
    public static final Duration MAX_LIFETIME = Duration.ofHours(24);
    public static final Duration SKEW = Duration.ofMinutes(10);
    private static final int MAX_TOKEN = 8192;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A refused token, with the reason (never the token itself). */
    public static final class Refused extends Exception {
        Refused(String reason) {
            super(reason);
        }
    }

    private DeviceJwtVerifier() {}

    /** Returns the instant the connection must end ({@code exp} plus the allowed skew). */
    public static Instant verify(
            String token, String project, List<DeviceCredential> credentials, Instant now)
            throws Refused {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN)
            throw new Refused("no usable JWT");
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) throw new Refused("not a compact JWS");
        JsonNode header = json(parts[0], "header");
        JsonNode claims = json(parts[1], "claims");
        String alg = header.path("alg").asText("");
        if (!alg.equals("ES256") && !alg.equals("RS256"))
            throw new Refused("alg must be ES256 or RS256, got '" + alg + "'");
        byte[] signature = base64Url(parts[2], "signature");
        byte[] signed = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
        boolean verified = false;
        for (DeviceCredential c : credentials) {
            if (!c.validAt(now) || !c.format().jwtAlgorithm().equals(alg)) continue;
            if (verifies(alg, c, signed, signature)) {
                verified = true;
                break;
            }
        }
        if (!verified)
            throw new Refused("signature does not match any registered, unexpired " + alg + " key");
        if (!claims.path("aud").isTextual() || !claims.path("aud").asText().equals(project)) {
            throw new Refused("aud must be the project id '" + project + "'");
        }
        if (!claims.path("iat").canConvertToLong() || !claims.path("exp").canConvertToLong()) {
            throw new Refused("iat and exp are required numeric claims");
        }
        Instant iat = Instant.ofEpochSecond(claims.path("iat").asLong());
        Instant exp = Instant.ofEpochSecond(claims.path("exp").asLong());
        if (iat.isAfter(now.plus(SKEW))) throw new Refused("iat is in the future");
        if (!exp.plus(SKEW).isAfter(now)) throw new Refused("the JWT has expired");
        if (!exp.isAfter(iat)
                || Duration.between(iat, exp).compareTo(MAX_LIFETIME.plus(SKEW)) > 0) {
            throw new Refused("exp must be after iat and at most 24 h later");
        }
        return exp.plus(SKEW);
    }

    private static boolean verifies(
            String alg, DeviceCredential c, byte[] signed, byte[] signature) {
        try {
            Signature s =
                    Signature.getInstance(
                            alg.equals("ES256") ? "SHA256withECDSAinP1363Format" : "SHA256withRSA");
            s.initVerify(c.key());
            s.update(signed);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static JsonNode json(String part, String what) throws Refused {
        try {
            JsonNode n = JSON.readTree(base64Url(part, what));
            if (n == null || !n.isObject())
                throw new Refused("the JWT " + what + " is not a JSON object");
            return n;
        } catch (java.io.IOException e) {
            throw new Refused("the JWT " + what + " is not JSON");
        }
    }

    private static byte[] base64Url(String s, String what) throws Refused {
        try {
            return Base64.getUrlDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new Refused("the JWT " + what + " is not base64url");
        }
    }
}
