package dev.meerkat.signing;

import dev.meerkat.cli.remote.JwtMinter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;

/** One JWT issuing key per test JVM; its public half is what the service under test trusts. */
public final class TestTokens {
    private static final KeyPair KEYS = JwtMinter.newKeyPair();
    private static final JwtMinter MINTER = new JwtMinter(KEYS.getPrivate());
    private static Path publicKeyFile;

    private TestTokens() {}

    public static synchronized Path publicKeyFile() {
        if (publicKeyFile == null) {
            try {
                Path dir = Files.createDirectories(Path.of("target", "test-jwt"));
                publicKeyFile = dir.resolve("jwt-public.pem").toAbsolutePath();
                Files.writeString(
                        publicKeyFile,
                        JwtMinter.pem("PUBLIC KEY", KEYS.getPublic().getEncoded()),
                        StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return publicKeyFile;
    }

    public static String token(String subject, String... roles) {
        return MINTER.issue(subject, List.of(roles), Duration.ofHours(1));
    }

    /** A trusted token with a chosen lifetime and audience. */
    public static String token(
            String subject, Duration validity, String audience, String... roles) {
        return MINTER.issue(subject, List.of(roles), validity, audience);
    }

    /** Signs an arbitrary header and payload (both base64url) with the trusted key. */
    public static String signRaw(String header, String payload) throws Exception {
        java.security.Signature s = java.security.Signature.getInstance("SHA256withRSA");
        s.initSign(KEYS.getPrivate());
        s.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
        return header
                + "."
                + payload
                + "."
                + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
    }

    /** A token signed by a key the service does not trust. */
    public static String forgedToken(String subject, String... roles) {
        return new JwtMinter(JwtMinter.newKeyPair().getPrivate())
                .issue(subject, List.of(roles), Duration.ofHours(1));
    }
}
