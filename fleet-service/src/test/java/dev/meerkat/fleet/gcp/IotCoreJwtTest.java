package dev.meerkat.fleet.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.fleet.gcp.bridge.DeviceJwtVerifier;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The MQTT password rules of Cloud IoT Core, checked on JWTs signed the way device libraries sign
 * them.
 */
class IotCoreJwtTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private final KeyPair ec = GcpKeys.ec();
    private final KeyPair rsa = GcpKeys.rsa();
    private final List<DeviceCredential> creds =
            List.of(
                    DeviceCredential.of(
                            PublicKeyFormat.ES256_PEM, GcpKeys.publicPem(ec), Optional.empty()),
                    DeviceCredential.of(
                            PublicKeyFormat.RSA_PEM, GcpKeys.publicPem(rsa), Optional.empty()));

    static String jwt(String alg, KeyPair key, String claims) throws Exception {
        Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
        String input =
                b.encodeToString(
                                ("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}")
                                        .getBytes(StandardCharsets.UTF_8))
                        + "."
                        + b.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Signature s =
                Signature.getInstance(
                        alg.equals("ES256") ? "SHA256withECDSAinP1363Format" : "SHA256withRSA");
        s.initSign(key.getPrivate());
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + b.encodeToString(s.sign());
    }

    static String claims(String aud, long iat, long exp) {
        return "{\"aud\":\"" + aud + "\",\"iat\":" + iat + ",\"exp\":" + exp + "}";
    }

    @Test
    void acceptsEs256AndRs256SignedByRegisteredKeys() throws Exception {
        long t = NOW.getEpochSecond();
        assertThat(
                        DeviceJwtVerifier.verify(
                                jwt("ES256", ec, claims("proj", t, t + 3600)), "proj", creds, NOW))
                .isEqualTo(Instant.ofEpochSecond(t + 3600 + 600));
        assertThat(
                        DeviceJwtVerifier.verify(
                                jwt("RS256", rsa, claims("proj", t - 60, t + 86400)),
                                "proj",
                                creds,
                                NOW))
                .isAfter(NOW);
    }

    @Test
    void refusesWhatIotCoreRefused() throws Exception {
        long t = NOW.getEpochSecond();
        refused(
                jwt("ES256", GcpKeys.ec(), claims("proj", t, t + 3600)),
                creds,
                "signature does not match");
        refused(jwt("ES256", ec, claims("other", t, t + 3600)), creds, "aud must be");
        refused(jwt("ES256", ec, claims("proj", t - 7200, t - 3600)), creds, "expired");
        refused(jwt("ES256", ec, claims("proj", t, t + 25 * 3600)), creds, "at most 24 h");
        refused(
                jwt("ES256", ec, claims("proj", t + 3600, t + 7200)),
                creds,
                "iat is in the future");
        refused(jwt("ES256", ec, "{\"aud\":\"proj\"}"), creds, "iat and exp are required");
        // An RSA signature over a key registered as ES256 only, and a credential past its expiry.
        refused(
                jwt("RS256", rsa, claims("proj", t, t + 3600)),
                creds.subList(0, 1),
                "signature does not match");
        List<DeviceCredential> expired =
                List.of(
                        DeviceCredential.of(
                                PublicKeyFormat.ES256_PEM,
                                GcpKeys.publicPem(ec),
                                Optional.of(NOW.minusSeconds(1))));
        refused(jwt("ES256", ec, claims("proj", t, t + 3600)), expired, "signature does not match");
        String good = jwt("ES256", ec, claims("proj", t, t + 3600));
        refused(
                good.substring(0, good.lastIndexOf('.')) + ".AAAA",
                creds,
                "signature does not match");
        refused("eyJhbGciOiJub25lIn0.e30.", creds, "alg must be");
        refused("garbage", creds, "not a compact JWS");
    }

    private static void refused(String token, List<DeviceCredential> creds, String reason) {
        assertThatThrownBy(() -> DeviceJwtVerifier.verify(token, "proj", creds, NOW))
                .isInstanceOf(DeviceJwtVerifier.Refused.class)
                .hasMessageContaining(reason);
    }
}
