package dev.meerkat.fleet;

import io.smallrye.jwt.build.Jwt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Set;

/** One RS256 issuing key per test JVM; the service under test trusts its public half. */
public final class TestTokens {
    private static final KeyPair KEYS = newKeyPair();
    private static Path publicKeyFile;

    private TestTokens() {}

    public static synchronized Path publicKeyFile() {
        if (publicKeyFile == null) {
            try {
                Path dir = Files.createDirectories(Path.of("target", "test-jwt"));
                publicKeyFile = dir.resolve("jwt-public.pem").toAbsolutePath();
                String b64 =
                        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(KEYS.getPublic().getEncoded());
                Files.writeString(
                        publicKeyFile,
                        "-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return publicKeyFile;
    }

    public static String token(String subject, String... roles) {
        return Jwt.issuer("meerkat")
                .subject(subject)
                .upn(subject)
                .groups(Set.of(roles))
                .expiresIn(3600)
                .sign(KEYS.getPrivate());
    }

    public static String forged(String subject, String... roles) {
        return Jwt.issuer("meerkat")
                .subject(subject)
                .upn(subject)
                .groups(Set.of(roles))
                .expiresIn(3600)
                .sign(newKeyPair().getPrivate());
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
