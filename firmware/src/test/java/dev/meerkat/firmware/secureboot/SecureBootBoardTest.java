package dev.meerkat.firmware.secureboot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.boot.BootMode;
import dev.meerkat.boot.BootResult;
import dev.meerkat.boot.RollbackReason;
import dev.meerkat.boot.Slot;
import dev.meerkat.boot.sim.Behavior;
import dev.meerkat.boot.sim.SimImages;
import dev.meerkat.boot.sim.SimProfile;
import dev.meerkat.hal.ResetCause;
import dev.meerkat.image.ImageSigner;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.SigningKey;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The secure-boot board: the bootloader jumps only to images the ATECC608's SecureBoot approved.
 */
class SecureBootBoardTest {

    @Test
    void bootsOnlyWhatTheChipApproves() throws Exception {
        SimImages images = new SimImages(8 * 1024);
        SigningKey chipKey = SigningKey.generate(KeyType.ECDSA_P256);
        SigningKey otherKey = SigningKey.generate(KeyType.ECDSA_P256);
        SimImages.Image v1 =
                images.build(
                        "v1",
                        "1.0.0",
                        1,
                        Behavior.COMMIT,
                        chipKey,
                        List.of(),
                        ImageSigner.PublicKeyFormat.HASH);
        SimImages.Image foreign =
                images.build(
                        "f",
                        "2.0.0",
                        1,
                        Behavior.COMMIT,
                        otherKey,
                        List.of(),
                        ImageSigner.PublicKeyFormat.HASH);
        SecureBootBoard b =
                SecureBootBoard.provision(
                        SimProfile.uniform4k(),
                        images,
                        chipKey,
                        new SigningKey[] {chipKey, otherKey},
                        7);
        b.sim().factoryFlash(Slot.A, v1.bytes());
        BootResult first = b.cycle();
        assertThat(first).isInstanceOf(BootResult.Jump.class);
        assertThat(b.storedDigest())
                .as("FullCopy stored the approved digest")
                .containsExactly(v1.hash());
        long commands = b.chip().commandCount();
        b.sim().reboot(ResetCause.SOFTWARE);
        assertThat(b.cycle()).isInstanceOf(BootResult.Jump.class);
        assertThat(b.chip().commandCount() - commands)
                .as("the next boot uses the stored digest: Nonce + SecureBoot")
                .isEqualTo(2);
        // an update the bootloader trusts but the chip does not: refused before the test boot, v1
        // stays
        b.sim().updater().install(Slot.B, foreign.bytes());
        b.sim().reboot(ResetCause.SOFTWARE);
        BootResult r = b.cycle();
        assertThat(r).isInstanceOf(BootResult.Jump.class);
        BootResult.Jump j = (BootResult.Jump) r;
        assertThat(j.slot()).isEqualTo(Slot.A);
        assertThat(j.mode()).isEqualTo(BootMode.NORMAL);
        assertThat(b.sim().control().bootState().lastRollback())
                .isEqualTo(RollbackReason.SECURE_ELEMENT_REFUSED);
        // a chip that does not answer refuses: nothing boots (fail closed)
        b.chip().faults().failCommand(dev.meerkat.chip.Opcode.SECUREBOOT, 0x0F, 100);
        b.sim().reboot(ResetCause.SOFTWARE);
        assertThat(b.boot()).isInstanceOf(BootResult.Recovery.class);
    }

    @Test
    void powerCutsAtEveryFlashOperationAndChipCommandNeverBrickOrBootAnUnapprovedImage()
            throws Exception {
        List<String> lines = new ArrayList<>();
        List<SecureBootPowerCut.Result> results = new SecureBootPowerCut(11).run(lines::add);
        lines.forEach(System.out::println);
        assertThat(results).hasSize(3);
        for (SecureBootPowerCut.Result r : results) {
            assertThat(r.cuts()).as(r.scenario()).isEqualTo(r.flashOps() + r.chipCommands());
            assertThat(r.chipCommands()).as(r.scenario()).isPositive();
            assertThat(r.failures()).as(r.summary()).isEmpty();
            assertThat(r.passed()).isTrue();
        }
    }
}
