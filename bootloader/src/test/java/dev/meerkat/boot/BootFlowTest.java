package dev.meerkat.boot;

import static dev.meerkat.boot.Boards.IMAGES;
import static dev.meerkat.boot.Boards.jump;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.boot.sim.SimDevice;
import dev.meerkat.hal.ResetCause;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BootFlowTest {

    @Test
    void firstBootCommitsTheFactoryImageAndRaisesTheCounter() {
        SimDevice d = Boards.fresh();
        d.factoryFlash(Slot.A, IMAGES.standard("v1").bytes());
        BootResult.Jump j = jump(d.boot());
        assertThat(j.slot()).isEqualTo(Slot.A);
        assertThat(j.mode()).isEqualTo(BootMode.NORMAL);
        assertThat(j.image().version().toString()).isEqualTo("1.0.0+0");
        assertThat(d.control().bootState().phase()).isEqualTo(BootPhase.COMMITTED);
        assertThat(d.device().counters().read(0)).isEqualTo(1);
    }

    @Test
    void firstBootPicksTheNewestValidSlot() {
        SimDevice d = Boards.fresh();
        d.factoryFlash(Slot.A, IMAGES.standard("v1").bytes());
        d.factoryFlash(Slot.B, IMAGES.standard("v2").bytes());
        assertThat(jump(d.boot()).slot()).isEqualTo(Slot.B);
    }

    @Test
    void updateIsTestedThenCommittedAndOnlyThenTheCounterRises() throws Exception {
        SimDevice d = Boards.runningV1();
        jump(d.cycle().boot());
        d.install(Slot.B, IMAGES.standard("v2"));
        BootStatus pending = d.control().bootState();
        assertThat(pending.phase()).isEqualTo(BootPhase.PENDING);
        assertThat(pending.active()).isEqualTo(Slot.B);
        assertThat(pending.revert()).contains(Slot.A);
        assertThat(pending.running()).isEqualTo(Slot.A);
        d.reboot(ResetCause.SOFTWARE);

        BootResult.Jump test = jump(d.boot());
        assertThat(test.slot()).isEqualTo(Slot.B);
        assertThat(test.mode()).isEqualTo(BootMode.TEST);
        assertThat(d.control().bootState().phase()).isEqualTo(BootPhase.TESTING);
        assertThat(d.control().bootState().attempts()).isEqualTo(1);
        assertThat(d.device().counters().read(0)).isEqualTo(1);
        assertThat(d.device().watchdog().isRunning()).isTrue();

        d.control().commit();
        BootStatus done = d.control().bootState();
        assertThat(done.phase()).isEqualTo(BootPhase.COMMITTED);
        assertThat(done.revert()).isEmpty();
        assertThat(d.device().counters().read(0)).isEqualTo(2);
        d.control().commit(); // idempotent

        d.reboot(ResetCause.SOFTWARE);
        BootResult.Jump normal = jump(d.boot());
        assertThat(normal.slot()).isEqualTo(Slot.B);
        assertThat(normal.mode()).isEqualTo(BootMode.NORMAL);
    }

    private SimDevice failedUpdate(String label, ResetCause expected, RollbackReason reason)
            throws Exception {
        SimDevice d = Boards.runningV1();
        jump(d.cycle().boot());
        d.install(Slot.B, IMAGES.standard(label));
        d.reboot(ResetCause.SOFTWARE);
        SimDevice.Cycle c = d.cycle();
        assertThat(jump(c.boot()).mode()).isEqualTo(BootMode.TEST);
        assertThat(c.firmwareReset()).contains(expected);
        BootResult.Jump back = jump(d.boot());
        assertThat(back.slot()).isEqualTo(Slot.A);
        assertThat(back.mode()).isEqualTo(BootMode.NORMAL);
        BootStatus s = d.control().bootState();
        assertThat(s.lastRollback()).isEqualTo(reason);
        assertThat(s.rollbackSlot()).contains(Slot.B);
        assertThat(s.rejected()).containsExactly(Slot.B);
        assertThat(d.device().counters().read(0)).isEqualTo(1);
        return d;
    }

    @Test
    void failedInitRevertsAndRecordsWhy() throws Exception {
        failedUpdate("v3-fail-init", ResetCause.FAULT, RollbackReason.TEST_BOOT_FAULT);
    }

    @Test
    void watchdogDuringTestBootReverts() throws Exception {
        SimDevice d =
                failedUpdate("v3-hang", ResetCause.WATCHDOG, RollbackReason.TEST_BOOT_WATCHDOG);
        assertThat(d.device().watchdog().expirations()).isEqualTo(1);
    }

    @Test
    void powerLossDuringTestBootReverts() throws Exception {
        SimDevice d = Boards.runningV1();
        jump(d.cycle().boot());
        d.install(Slot.B, IMAGES.standard("v2"));
        d.reboot(ResetCause.SOFTWARE);
        assertThat(jump(d.boot()).mode()).isEqualTo(BootMode.TEST);
        d.reboot(ResetCause.POWER_LOSS);
        assertThat(jump(d.boot()).slot()).isEqualTo(Slot.A);
        assertThat(d.control().bootState().lastRollback())
                .isEqualTo(RollbackReason.TEST_BOOT_POWER_LOSS);
    }

    @Test
    void failedImageIsNeverBootedAgainUnlessReinstalled() throws Exception {
        SimDevice d =
                failedUpdate("v3-fail-init", ResetCause.FAULT, RollbackReason.TEST_BOOT_FAULT);
        // even when the committed image disappears, the rejected one is not started
        d.layout().slotA().eraseAll();
        d.reboot(ResetCause.SOFTWARE);
        BootResult r = d.boot();
        assertThat(r).isInstanceOf(BootResult.Recovery.class);
        assertThat(((BootResult.Recovery) r).report())
                .contains("RECOVERY")
                .contains("A: IMAGE_MISSING")
                .contains("B: rejected");
    }

    @Test
    void reinstallingClearsTheRejection() throws Exception {
        SimDevice d =
                failedUpdate("v3-fail-init", ResetCause.FAULT, RollbackReason.TEST_BOOT_FAULT);
        d.cycle();
        d.install(Slot.B, IMAGES.standard("v2"));
        assertThat(d.control().bootState().rejected()).isEmpty();
        d.reboot(ResetCause.SOFTWARE);
        assertThat(jump(d.boot()).slot()).isEqualTo(Slot.B);
    }

    @Test
    void applicationRevert() throws Exception {
        SimDevice d = Boards.runningV1();
        jump(d.cycle().boot());
        d.install(Slot.B, IMAGES.standard("v3-revert"));
        d.reboot(ResetCause.SOFTWARE);
        assertThat(d.cycle().firmwareReset()).contains(ResetCause.SOFTWARE);
        assertThat(jump(d.boot()).slot()).isEqualTo(Slot.A);
        assertThat(d.control().bootState().lastRollback()).isEqualTo(RollbackReason.APP_REVERT);
    }

    @Test
    void autoCommitAfterTheFirmwaresTimeout() throws Exception {
        SimDevice d = Boards.runningV1();
        jump(d.cycle().boot());
        d.install(Slot.B, IMAGES.standard("v2-auto"));
        d.reboot(ResetCause.SOFTWARE);
        SimDevice.Cycle c = d.cycle();
        assertThat(c.firmwareReset()).isEmpty();
        assertThat(d.control().bootState().phase()).isEqualTo(BootPhase.COMMITTED);
        assertThat(d.device().clock().millis()).isGreaterThanOrEqualTo(3000);
    }

    @Test
    void pendingUpdateCanBeCancelledOrReplaced() throws Exception {
        SimDevice d = Boards.runningV1();
        jump(d.cycle().boot());
        d.install(Slot.B, IMAGES.standard("v2"));
        d.control().revert();
        assertThat(d.control().bootState().lastRollback())
                .isEqualTo(RollbackReason.UPDATE_CANCELLED);
        assertThat(d.control().bootState().phase()).isEqualTo(BootPhase.COMMITTED);

        d.install(Slot.B, IMAGES.standard("v2"));
        d.install(Slot.B, IMAGES.standard("v3"));
        d.reboot(ResetCause.SOFTWARE);
        BootResult.Jump j = jump(d.boot());
        assertThat(j.slot()).isEqualTo(Slot.B);
        assertThat(j.image().version().toString()).isEqualTo("1.2.0+0");
    }

    @Test
    void misuseOfTheApiIsRefused() throws Exception {
        SimDevice d = Boards.runningV1();
        jump(d.cycle().boot());
        assertThatThrownBy(() -> d.control().installUpdate(Slot.A))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> d.control().prepareSlot(Slot.A))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> d.control().revert()).isInstanceOf(IllegalStateException.class);
        d.install(Slot.B, IMAGES.standard("v2"));
        assertThatThrownBy(() -> d.control().commit()).isInstanceOf(IllegalStateException.class);
        d.reboot(ResetCause.SOFTWARE);
        jump(d.boot());
        assertThatThrownBy(() -> d.control().installUpdate(Slot.A))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> d.control().prepareSlot(Slot.A))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void emptyDeviceReportsRecovery() {
        SimDevice d = Boards.fresh();
        BootResult r = d.boot();
        assertThat(r)
                .isInstanceOfSatisfying(
                        BootResult.Recovery.class,
                        rec -> {
                            assertThat(rec.problems()).hasSize(2);
                            assertThat(rec.report())
                                    .contains("A: IMAGE_MISSING")
                                    .contains("B: IMAGE_MISSING");
                        });
        assertThat(d.control().bootState().phase()).isEqualTo(BootPhase.EMPTY);
        assertThatThrownBy(() -> d.control().commit()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void corruptedCommittedImageFallsBackToTheOtherValidSlot() throws Exception {
        SimDevice d = Boards.runningV1();
        jump(d.cycle().boot());
        d.install(Slot.B, IMAGES.standard("v2"));
        d.reboot(ResetCause.SOFTWARE);
        d.cycle(); // v2 commits; counter 2
        d.reboot(ResetCause.SOFTWARE);
        d.factoryFlash(
                Slot.A, IMAGES.standard("v3").bytes()); // valid image written outside the API
        d.layout().slotB().eraseAll();
        BootResult.Jump j = jump(d.boot());
        assertThat(j.slot()).isEqualTo(Slot.A);
        assertThat(d.control().bootState().lastRollback())
                .isEqualTo(RollbackReason.ACTIVE_IMAGE_INVALID);
        assertThat(d.control().bootState().rejected()).containsExactly(Slot.B);
    }

    @Test
    void slotRewrittenWithAnotherSignedImageIsNotTheInstalledOne() throws Exception {
        SimDevice d = Boards.runningV1();
        jump(d.cycle().boot());
        d.install(Slot.B, IMAGES.standard("v3"));
        d.factoryFlash(
                Slot.B, IMAGES.standard("v2").bytes()); // valid, signed, but not what was installed
        d.reboot(ResetCause.SOFTWARE);
        assertThat(jump(d.boot()).slot()).isEqualTo(Slot.A);
        assertThat(d.control().bootState().lastRollback()).isEqualTo(RollbackReason.IMAGE_CHANGED);
    }

    @Test
    void bootLogNamesTheDecisions() throws Exception {
        List<String> log = new ArrayList<>();
        SimDevice d =
                SimDevice.create(
                        dev.meerkat.boot.sim.SimProfile.uniform4k(),
                        IMAGES,
                        1,
                        new BootListener() {
                            @Override
                            public void log(String message) {
                                log.add(message);
                            }
                        });
        d.factoryFlash(Slot.A, IMAGES.standard("v1").bytes());
        d.cycle();
        assertThat(log).anyMatch(l -> l.contains("first boot"));
        assertThat(Optional.of(d.control().bootState().sequence())).contains(1L);
    }
}
