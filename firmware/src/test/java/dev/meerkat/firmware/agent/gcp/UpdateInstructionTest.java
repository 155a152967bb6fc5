package dev.meerkat.firmware.agent.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Which configs carry an update instruction. */
class UpdateInstructionTest {
    private static Optional<UpdateInstruction> of(String config) {
        return UpdateInstruction.of(config.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheInstruction() {
        UpdateInstruction u =
                of("{\"meerkat_update\":{\"id\":\"dep/7\",\"url\":\"https://f/x.img\","
                                + "\"version\":\"2.0.0\",\"size\":1234,\"commit_timeout\":0},"
                                + "\"app\":{\"led\":true}}")
                        .orElseThrow();
        assertThat(u.id()).isEqualTo("dep/7");
        assertThat(u.url()).isEqualTo("https://f/x.img");
        assertThat(u.version()).contains("2.0.0");
        assertThat(u.size()).isEqualTo(OptionalLong.of(1234));
        assertThat(u.commitTimeout()).isEqualTo(OptionalLong.of(0));
    }

    @Test
    void otherConfigsAreNotInstructions() {
        assertThat(UpdateInstruction.of(new byte[0])).isEmpty();
        assertThat(of("not json")).isEmpty();
        assertThat(of("{\"app\":{\"led\":true}}")).isEmpty();
        assertThat(of("{\"meerkat_update\":{\"url\":\"https://f/x.img\"}}")).isEmpty();
        assertThat(of("{\"meerkat_update\":{\"id\":\"a\",\"url\":\"file:///etc/passwd\"}}"))
                .isEmpty();
        assertThat(of("{\"meerkat_update\":{\"id\":\"\",\"url\":\"https://f/x.img\"}}")).isEmpty();
    }
}
