package dev.meerkat.firmware.agent.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.chip.CryptoChip;
import dev.meerkat.chip.jca.EcKeys;
import dev.meerkat.firmware.crypto.DeviceChip;
import dev.meerkat.firmware.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The MQTT password JWT, signed in an emulated ATECC608 and checked with the JDK. */
class DeviceJwtTest {
    private final CryptoChip chip = DeviceChip.emulated();

    @Test
    void es256SignedByTheChipKeyWithIotCoreClaims() throws Exception {
        Instant iat = Instant.parse("2026-12-01T10:00:00Z");
        String jwt =
                DeviceJwt.es256(
                        chip, DeviceChip.TLS_KEY_SLOT, "my-project", iat, iat.plusSeconds(3600));
        String[] parts = jwt.split("\\.");
        assertThat(parts).hasSize(3);
        Base64.Decoder b64 = Base64.getUrlDecoder();
        JsonNode header = Json.parse(b64.decode(parts[0]));
        JsonNode claims = Json.parse(b64.decode(parts[1]));
        assertThat(header.path("alg").asText()).isEqualTo("ES256");
        assertThat(claims.path("aud").asText()).isEqualTo("my-project");
        assertThat(claims.path("iat").asLong()).isEqualTo(iat.getEpochSecond());
        assertThat(claims.path("exp").asLong()).isEqualTo(iat.getEpochSecond() + 3600);

        Signature verify = Signature.getInstance("SHA256withECDSAinP1363Format");
        verify.initVerify(EcKeys.publicKey(chip.publicKey(DeviceChip.TLS_KEY_SLOT)));
        verify.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(verify.verify(b64.decode(parts[2]))).isTrue();

        // Another chip's key does not verify it.
        CryptoChip other = DeviceChip.emulated();
        verify.initVerify(EcKeys.publicKey(other.publicKey(DeviceChip.TLS_KEY_SLOT)));
        verify.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(verify.verify(b64.decode(parts[2]))).isFalse();
    }

    @Test
    void refusesAProjectIdThatWouldBreakTheClaims() {
        Instant now = Instant.now();
        assertThatThrownBy(
                        () ->
                                DeviceJwt.es256(
                                        chip,
                                        DeviceChip.TLS_KEY_SLOT,
                                        "p\",\"aud\":\"x",
                                        now,
                                        now.plusSeconds(60)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
