package dev.meerkat.boot;

import static dev.meerkat.boot.Boards.IMAGES;
import static dev.meerkat.boot.Boards.jump;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.boot.sim.Behavior;
import dev.meerkat.boot.sim.SimDevice;
import dev.meerkat.boot.sim.SimImages;
import dev.meerkat.boot.sim.SimProfile;
import dev.meerkat.hal.ResetCause;
import dev.meerkat.image.Dependency;
import dev.meerkat.image.ImageSigner;
import dev.meerkat.image.ImageVersion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Hostile or broken images are never booted and the reason is recorded: refused by {@code
 * installUpdate}, and — when slipped into a slot after a good install — refused at boot with a
 * rollback to the committed image.
 */
class SecurityTest {

    private static final SimImages.Image V2 = IMAGES.standard("v2");

    /** Offset of the first byte after the header and payload (start of the protected TLVs). */
    private static int tlvStart(byte[] img) {
        ByteBuffer b = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
        return Short.toUnsignedInt(b.getShort(8)) + b.getInt(12);
    }

    private static byte[] flip(byte[] img, int at) {
        byte[] c = img.clone();
        c[at] ^= 0x01;
        return c;
    }

    /** Installs {@code bad} directly; expects refusal with {@code reason} and no state change. */
    private static void refusedAtInstall(byte[] bad, RollbackReason reason) {
        SimDevice d = Boards.runningV1();
        jump(d.cycle().boot());
        long seq = d.control().bootState().sequence();
        d.factoryFlash(Slot.B, bad);
        assertThatThrownBy(() -> d.control().installUpdate(Slot.B))
                .isInstanceOfSatisfying(
                        UpdateRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(reason));
        assertThat(d.control().bootState().sequence()).isEqualTo(seq);
        assertThat(d.control().bootState().phase()).isEqualTo(BootPhase.COMMITTED);
    }

    /**
     * A good install whose slot is then replaced by {@code bad}: the boot refuses it and reverts.
     */
    private static void refusedAtBoot(byte[] bad, RollbackReason reason) throws Exception {
        SimDevice d = Boards.runningV1();
        jump(d.cycle().boot());
        d.install(Slot.B, IMAGES.standard("v3"));
        d.factoryFlash(Slot.B, bad);
        d.reboot(ResetCause.SOFTWARE);
        BootResult.Jump j = jump(d.boot());
        assertThat(j.slot()).isEqualTo(Slot.A);
        assertThat(j.mode()).isEqualTo(BootMode.NORMAL);
        BootStatus s = d.control().bootState();
        assertThat(s.lastRollback()).isEqualTo(reason);
        assertThat(s.rejected()).containsExactly(Slot.B);
        d.reboot(ResetCause.SOFTWARE);
        assertThat(jump(d.boot()).slot()).isEqualTo(Slot.A);
    }

    private static void refused(byte[] bad, RollbackReason reason) throws Exception {
        refusedAtInstall(bad, reason);
        refusedAtBoot(bad, reason);
    }

    @Test
    void wrongKey() throws Exception {
        SimImages.Image rogue =
                IMAGES.build(
                        "rogue",
                        "1.3.0",
                        3,
                        Behavior.COMMIT,
                        IMAGES.rogueKey(),
                        List.of(),
                        ImageSigner.PublicKeyFormat.HASH);
        refused(rogue.bytes(), RollbackReason.IMAGE_UNKNOWN_KEY);
    }

    @Test
    void rogueKeyCarriedInThePubkeyTlv() throws Exception {
        SimImages.Image rogue =
                IMAGES.build(
                        "rogue-full",
                        "1.3.0",
                        3,
                        Behavior.COMMIT,
                        IMAGES.rogueKey(),
                        List.of(),
                        ImageSigner.PublicKeyFormat.FULL);
        refused(rogue.bytes(), RollbackReason.IMAGE_UNKNOWN_KEY);
    }

    @Test
    void unsignedImage() throws Exception {
        SimImages.Image unsigned =
                IMAGES.build(
                        "unsigned",
                        "1.3.0",
                        3,
                        Behavior.COMMIT,
                        null,
                        List.of(),
                        ImageSigner.PublicKeyFormat.HASH);
        refused(unsigned.bytes(), RollbackReason.IMAGE_NOT_SIGNED);
    }

    @Test
    void tamperedPayload() throws Exception {
        refused(flip(V2.bytes(), SimImages.HEADER_SIZE + 1000), RollbackReason.IMAGE_HASH_MISMATCH);
    }

    @Test
    void tamperedHeaderVersion() throws Exception {
        refused(flip(V2.bytes(), 20), RollbackReason.IMAGE_HASH_MISMATCH);
    }

    @Test
    void tamperedProtectedSecurityCounter() throws Exception {
        byte[] img = V2.bytes();
        int secCntValue = tlvStart(img) + 4 + 4; // info header, then SEC_CNT type/len, then value
        byte[] bad = img.clone();
        bad[secCntValue] = 0x7F; // claims a higher counter
        refused(bad, RollbackReason.IMAGE_HASH_MISMATCH);
    }

    @Test
    void tamperedSignature() throws Exception {
        byte[] img = V2.bytes();
        refused(flip(img, img.length - 10), RollbackReason.IMAGE_BAD_SIGNATURE);
    }

    @Test
    void truncatedImage() throws Exception {
        byte[] img = V2.bytes();
        refused(Arrays.copyOf(img, img.length - 100), RollbackReason.IMAGE_BAD_TLV);
        refused(Arrays.copyOf(img, img.length / 2), RollbackReason.IMAGE_BAD_TLV);
    }

    @Test
    void imageLargerThanItsSlot() throws Exception {
        byte[] bad = V2.bytes();
        ByteBuffer.wrap(bad)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(12, 64 * 1024); // img_size beyond a 40 KiB slot
        refused(bad, RollbackReason.IMAGE_TOO_LARGE);
    }

    @Test
    void updaterRefusesAnImageThatCannotFit() {
        SimDevice d = Boards.runningV1();
        jump(d.cycle().boot());
        assertThatThrownBy(() -> d.updater().install(Slot.B, new byte[64 * 1024]))
                .isInstanceOf(IOException.class);
    }

    @Test
    void downgradeBelowTheSecurityCounter() throws Exception {
        SimImages.Image low =
                IMAGES.build(
                        "low-counter",
                        "1.9.0",
                        0,
                        Behavior.COMMIT,
                        IMAGES.key1(),
                        List.of(),
                        ImageSigner.PublicKeyFormat.HASH);
        refused(low.bytes(), RollbackReason.IMAGE_DOWNGRADE);
    }

    @Test
    void committedCounterBlocksTheOldImage() throws Exception {
        SimDevice d = Boards.runningV1();
        jump(d.cycle().boot());
        d.install(Slot.B, IMAGES.standard("v3"));
        d.reboot(ResetCause.SOFTWARE);
        d.cycle(); // v3 commits, counter 3
        d.factoryFlash(Slot.A, IMAGES.standard("v1").bytes());
        assertThatThrownBy(() -> d.control().installUpdate(Slot.A))
                .isInstanceOfSatisfying(
                        UpdateRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(RollbackReason.IMAGE_DOWNGRADE));
        assertThat(d.device().counters().read(0)).isEqualTo(3);
    }

    @Test
    void dependencyOnAnAbsentComponent() throws Exception {
        SimImages.Image dep =
                IMAGES.build(
                        "needs-radio",
                        "1.3.0",
                        3,
                        Behavior.COMMIT,
                        IMAGES.key1(),
                        List.of(new Dependency(1, ImageVersion.parse("2.0.0"))),
                        ImageSigner.PublicKeyFormat.HASH);
        refused(dep.bytes(), RollbackReason.IMAGE_DEPENDENCY_UNMET);
    }

    @Test
    void dependencyOnTheRunningVersion() throws Exception {
        SimImages.Image needs11 =
                IMAGES.build(
                        "needs-1.1",
                        "1.3.0",
                        3,
                        Behavior.COMMIT,
                        IMAGES.key1(),
                        List.of(new Dependency(0, ImageVersion.parse("1.1.0"))),
                        ImageSigner.PublicKeyFormat.HASH);
        refused(needs11.bytes(), RollbackReason.IMAGE_DEPENDENCY_UNMET);

        // from 1.1.0 the same image is accepted
        SimDevice d = Boards.runningV1();
        jump(d.cycle().boot());
        d.install(Slot.B, V2);
        d.reboot(ResetCause.SOFTWARE);
        d.cycle();
        d.install(Slot.A, needs11);
        assertThat(d.control().bootState().phase()).isEqualTo(BootPhase.PENDING);
    }

    @Test
    void dependencyMetByAConfiguredComponent() throws Exception {
        SimImages.Image dep =
                IMAGES.build(
                        "needs-radio-ok",
                        "1.3.0",
                        3,
                        Behavior.COMMIT,
                        IMAGES.key1(),
                        List.of(new Dependency(1, ImageVersion.parse("2.0.0"))),
                        ImageSigner.PublicKeyFormat.HASH);
        SimDevice base = Boards.runningV1();
        BootConfig cfg = base.config().withComponents(Map.of(1, ImageVersion.parse("2.1.0")));
        BootControl control = new BootControl(base.device(), base.layout(), cfg);
        jump(new Bootloader(base.device(), base.layout(), cfg).boot());
        base.factoryFlash(Slot.B, dep.bytes());
        control.installUpdate(Slot.B);
        assertThat(control.bootState().phase()).isEqualTo(BootPhase.PENDING);
    }

    @Test
    void nonBootableImage() throws Exception {
        byte[] img = IMAGES.standard("v3").bytes();
        ByteBuffer b = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(16, b.getInt(16) | 0x10);
        refused(img, RollbackReason.IMAGE_NOT_BOOTABLE);
    }

    @Test
    void erasedSlot() {
        refusedAtInstall(new byte[0], RollbackReason.IMAGE_MISSING);
    }

    @Test
    void keyProvisionedOnlyAsKeyHash() throws Exception {
        SimImages.Image full =
                IMAGES.build(
                        "kh-full",
                        "1.3.0",
                        3,
                        Behavior.COMMIT,
                        IMAGES.key2(),
                        List.of(),
                        ImageSigner.PublicKeyFormat.FULL);
        SimImages.Image hashOnly =
                IMAGES.build(
                        "kh-hash",
                        "1.3.1",
                        3,
                        Behavior.COMMIT,
                        IMAGES.key2(),
                        List.of(),
                        ImageSigner.PublicKeyFormat.HASH);
        SimDevice d =
                SimDevice.create(
                        SimProfile.uniform4k(),
                        IMAGES,
                        IMAGES.rootOfTrustWithKeyHash(),
                        1,
                        BootListener.NONE);
        d.factoryFlash(Slot.A, IMAGES.standard("v1").bytes());
        jump(d.cycle().boot());
        d.factoryFlash(Slot.B, hashOnly.bytes());
        assertThatThrownBy(() -> d.control().installUpdate(Slot.B))
                .isInstanceOfSatisfying(
                        UpdateRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(RollbackReason.IMAGE_UNKNOWN_KEY));
        d.install(Slot.B, full);
        d.reboot(ResetCause.SOFTWARE);
        BootResult.Jump j = jump(d.boot());
        assertThat(j.slot()).isEqualTo(Slot.B);
        assertThat(j.mode()).isEqualTo(BootMode.TEST);
    }

    @Test
    void unprovisionedDeviceBootsNothing() {
        SimDevice d =
                SimDevice.create(
                        SimProfile.uniform4k(),
                        IMAGES,
                        dev.meerkat.hal.RootOfTrust.none(),
                        1,
                        BootListener.NONE);
        d.factoryFlash(Slot.A, IMAGES.standard("v1").bytes());
        assertThat(d.boot())
                .isInstanceOfSatisfying(
                        BootResult.Recovery.class,
                        r -> assertThat(r.report()).contains("IMAGE_UNKNOWN_KEY"));
    }
}
