package dev.meerkat.cli.remote;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Issues RS256 bearer tokens the signing service accepts: issuer {@code meerkat}, the subject as
 * {@code upn}/{@code sub}, the roles as {@code groups}, the service as {@code aud}, and a {@code
 * jti} by which the token can be revoked.
 */
public final class JwtMinter {
    private final PrivateKey key;

    public JwtMinter(PrivateKey key) {
        this.key = key;
    }

    public static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JwtMinter fromPem(String pkcs8Pem) {
        String b64 = pkcs8Pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            return new JwtMinter(
                    KeyFactory.getInstance("RSA")
                            .generatePrivate(
                                    new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64))));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "not an RSA PKCS#8 private key PEM: " + e.getMessage(), e);
        }
    }

    public static String pem(String type, byte[] der) {
        return "-----BEGIN "
                + type
                + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END "
                + type
                + "-----\n";
    }

    /** The audience the signing service expects by default ({@code meerkat.tokens.audience}). */
    public static final String DEFAULT_AUDIENCE = "meerkat-signing-service";

    public String issue(String subject, List<String> roles, Duration validity) {
        return issue(subject, roles, validity, DEFAULT_AUDIENCE);
    }

    /**
     * A token for {@code audience}; subjects with whitespace are refused (the service refuses them
     * too).
     */
    public String issue(String subject, List<String> roles, Duration validity, String audience) {
        if (subject == null
                || subject.isEmpty()
                || subject.codePoints()
                        .anyMatch(c -> Character.isWhitespace(c) || Character.isSpaceChar(c))) {
            throw new IllegalArgumentException(
                    "token subject must be non-empty and without whitespace: '" + subject + "'");
        }
        Instant now = Instant.now();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", "meerkat");
        claims.put("sub", subject);
        claims.put("upn", subject);
        claims.put("aud", audience);
        claims.put("groups", roles);
        claims.put("iat", now.getEpochSecond());
        claims.put("exp", now.plus(validity).getEpochSecond());
        claims.put("jti", UUID.randomUUID().toString());
        try {
            Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
            String head =
                    enc.encodeToString(
                            "{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
            String body = enc.encodeToString(RemoteClient.JSON.writeValueAsBytes(claims));
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key);
            s.update((head + "." + body).getBytes(StandardCharsets.US_ASCII));
            return head + "." + body + "." + enc.encodeToString(s.sign());
        } catch (Exception e) {
            throw new IllegalStateException("cannot issue a token: " + e.getMessage(), e);
        }
    }
}
