package dev.meerkat.boot;

import static dev.meerkat.boot.Boards.IMAGES;
import static dev.meerkat.boot.Boards.jump;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.boot.sim.Behavior;
import dev.meerkat.boot.sim.SimDevice;
import dev.meerkat.boot.sim.SimImages;
import dev.meerkat.hal.ResetCause;
import dev.meerkat.image.ImageSigner;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The update session: the precheck refuses while the image streams in, and a write resumes at a
 * checkpoint.
 */
class UpdateSessionTest {

    private static SimDevice running() {
        SimDevice d = Boards.runningV1();
        jump(d.cycle().boot());
        return d;
    }

    /**
     * Writes {@code img} in 64-byte chunks; returns how many bytes had been accepted when it was
     * refused.
     */
    private static long refusedAt(UpdateSession s, byte[] img, RollbackReason reason) {
        for (int at = 0; at < img.length; at += 64) {
            int n = Math.min(64, img.length - at);
            try {
                s.write(at, img, at, n);
            } catch (UpdateRejectedException e) {
                assertThat(e.reason()).isEqualTo(reason);
                assertThat(e.beforeInstall()).isTrue();
                return at;
            }
        }
        throw new AssertionError("not refused while streaming");
    }

    @Test
    void aLowSecurityCounterIsRefusedBeforeTheLastByte() {
        SimDevice d = running();
        SimImages.Image low =
                IMAGES.build(
                        "low-counter",
                        "1.9.0",
                        0,
                        Behavior.COMMIT,
                        IMAGES.key1(),
                        List.of(),
                        ImageSigner.PublicKeyFormat.HASH);
        UpdateSession s = d.control().beginUpdate(UpdateRules.bootloaderOnly());
        assertThat(s.slot()).isEqualTo(Slot.B);
        assertThat(refusedAt(s, low.bytes(), RollbackReason.IMAGE_DOWNGRADE))
                .isLessThan(low.bytes().length - 64);
        assertThat(d.control().bootState().phase()).isEqualTo(BootPhase.COMMITTED);
        assertThat(d.control().bootState().rejected()).contains(Slot.B);
    }

    @Test
    void aLowerVersionAndAnotherPlatformAreRefusedByTheFirmwaresRules() {
        SimDevice d = running();
        SimImages.Image older =
                IMAGES.build(
                        "older",
                        "0.9.0",
                        1,
                        Behavior.COMMIT,
                        IMAGES.key1(),
                        List.of(),
                        ImageSigner.PublicKeyFormat.HASH);
        UpdateSession s = d.control().beginUpdate(new UpdateRules(Optional.empty(), false));
        assertThat(refusedAt(s, older.bytes(), RollbackReason.IMAGE_DOWNGRADE)).isZero();

        byte[] v2 = IMAGES.standard("v2").bytes();
        UpdateSession p =
                d.control()
                        .beginUpdate(
                                new UpdateRules(
                                        Optional.of(new UpdateRules.Platform(0xA0, "esp32")),
                                        true));
        assertThat(refusedAt(p, v2, RollbackReason.IMAGE_WRONG_PLATFORM))
                .isLessThan(v2.length - 64);
    }

    @Test
    void resumesAtACheckpointAfterAResetAndInstalls() throws Exception {
        SimDevice d = running();
        byte[] v2 = IMAGES.standard("v2").bytes();
        UpdateSession first = d.control().beginUpdate(UpdateRules.bootloaderOnly());
        int part = v2.length - 100;
        first.write(0, v2, 0, part);
        long checkpoint = first.checkpoint();
        assertThat(checkpoint).isPositive().isLessThanOrEqualTo(part);

        UpdateSession resumed = d.control().resumeUpdate(UpdateRules.bootloaderOnly(), checkpoint);
        assertThat(resumed.accepted()).isEqualTo(checkpoint);
        resumed.expectLength(v2.length);
        resumed.write(checkpoint, v2, (int) checkpoint, (int) (v2.length - checkpoint));
        resumed.finish();
        assertThat(resumed.encrypted()).isFalse();
        assertThat(resumed.install().version()).isEqualTo(IMAGES.standard("v2").version());
        assertThat(d.control().bootState().phase()).isEqualTo(BootPhase.PENDING);
        d.reboot(ResetCause.SOFTWARE);
        assertThat(jump(d.cycle().boot()).slot()).isEqualTo(Slot.B);
    }
}
