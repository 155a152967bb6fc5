package dev.meerkat.firmware.agent.poll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.boot.RollbackReason;
import dev.meerkat.firmware.ota.OtaResult;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class UpdateCheckTest {

    @Test
    void versionHeaderIsThreeWordsAsMongooseSendsIt() {
        assertThat(UpdateCheck.versionHeader("meerkat-sim", "1.0.0", "0a1b2c3d"))
                .isEqualTo("meerkat-sim 1.0.0 0a1b2c3d");
        assertThat(UpdateCheck.versionHeader("my board", "", null).split(" "))
                .containsExactly("my_board", "-", "-");
    }

    @Test
    void answersFollowTheStatus() {
        assertThat(UpdateCheck.answer(304, -1)).isEqualTo(new UpdateCheck.UpToDate());
        assertThat(UpdateCheck.answer(200, 4096))
                .isEqualTo(new UpdateCheck.Update(OptionalLong.of(4096)));
        assertThat(UpdateCheck.answer(200, -1))
                .isEqualTo(new UpdateCheck.Update(OptionalLong.empty()));
        assertThat(UpdateCheck.answer(206, 1))
                .as("a partial body says nothing about the image length")
                .isEqualTo(new UpdateCheck.Update(OptionalLong.empty()));
        assertThat(UpdateCheck.answer(401, 10)).isEqualTo(new UpdateCheck.Refused(401));
    }

    @Test
    void resultHeaderCarriesTheBootloadersReasonFirst() {
        OtaResult rolledBack =
                new OtaResult(
                        OtaResult.Outcome.ROLLED_BACK,
                        Optional.of(RollbackReason.TEST_BOOT_FAULT),
                        Optional.of("{\"step\":\"app\",\n\"error\":\"boom\"}"),
                        Optional.of("2.0.1"),
                        "2.0.0");
        assertThat(UpdateCheck.resultHeader(rolledBack))
                .isEqualTo(
                        "rolled_back 2.0.1; TEST_BOOT_FAULT: {\"step\":\"app\", \"error\":\"boom\"}");
        OtaResult failed =
                new OtaResult(
                        OtaResult.Outcome.FAILED,
                        Optional.empty(),
                        Optional.of("image refused: bad signature"),
                        Optional.empty(),
                        "1.0.0");
        assertThat(UpdateCheck.resultHeader(failed))
                .isEqualTo("failed -; image refused: bad signature");
        OtaResult committed =
                new OtaResult(
                        OtaResult.Outcome.COMMITTED,
                        Optional.empty(),
                        Optional.empty(),
                        Optional.of("2.0.0"),
                        "2.0.0");
        assertThat(UpdateCheck.resultHeader(committed)).isEqualTo("committed 2.0.0");
        OtaResult huge =
                new OtaResult(
                        OtaResult.Outcome.FAILED,
                        Optional.empty(),
                        Optional.of("x".repeat(5000)),
                        Optional.empty(),
                        "1.0.0");
        assertThat(UpdateCheck.resultHeader(huge)).hasSize(400);
    }
}
