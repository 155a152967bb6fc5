package dev.meerkat.boot;

import dev.meerkat.boot.BootStateMachine.Event;
import dev.meerkat.hal.Device;
import dev.meerkat.hal.FlashArea;
import dev.meerkat.image.ImageFormatException;
import dev.meerkat.image.ImageHeader;
import dev.meerkat.image.ImageVersion;
import dev.meerkat.image.ParsedImage;
import java.util.Optional;

/**
 * The application's view of the boot state (the firmware side of the bootloader contract): {@link
 * #beginUpdate(UpdateRules)} / {@link #resumeUpdate(UpdateRules, long)} open the {@link
 * UpdateSession} that writes and installs an update (the only slot writer), {@link #commit()},
 * {@link #revert()}, {@link #bootState()}; {@link #prepareSlot(Slot)} and {@link
 * #installUpdate(Slot)} are the two boot-state steps a session takes. Every call reads the current
 * state from flash and writes at most one record (commit may also raise the counter).
 */
public final class BootControl {

    private final Device device;
    private final FlashLayout layout;
    private final BootConfig config;
    private final BootStateStore store;
    private final ImageValidator validator;

    public BootControl(Device device, FlashLayout layout, BootConfig config) {
        this.device = device;
        this.layout = layout;
        this.config = config;
        this.store = new BootStateStore(layout.bootState(), config.listener());
        this.validator = new ImageValidator(device.rootOfTrust(), config);
    }

    /** The state in force; phase {@link BootPhase#EMPTY} before the bootloader's first boot. */
    public BootStatus bootState() {
        return store.load()
                .map(BootStatus::of)
                .orElse(
                        new BootStatus(
                                BootPhase.EMPTY,
                                Slot.A,
                                Optional.empty(),
                                false,
                                0,
                                RollbackReason.NONE,
                                Optional.empty(),
                                java.util.Set.of(),
                                0));
    }

    private BootRecord current() {
        return store.load()
                .orElseThrow(
                        () ->
                                new IllegalStateException(
                                        "no boot state: the bootloader has not run"));
    }

    /**
     * Starts an update of the inactive slot: marks it not bootable (before anything is erased) and
     * returns the session that writes it from byte 0.
     *
     * @throws IllegalStateException while a test boot is not yet committed
     */
    public UpdateSession beginUpdate(UpdateRules rules) {
        Slot slot = bootState().running().other();
        UpdatePrecheck precheck = precheck(rules);
        prepareSlot(slot);
        try {
            return new UpdateSession(this, slot, layout.slot(slot), precheck, 0);
        } catch (UpdateRejectedException e) {
            throw new IllegalStateException("nothing written yet", e);
        }
    }

    /**
     * Continues an update of the inactive slot after a reset, at {@code checkpoint} (a sector
     * boundary an earlier session reported by {@link UpdateSession#checkpoint()}); the slot was
     * made not bootable when the update began.
     *
     * @throws UpdateRejectedException when what is already written is not acceptable any more
     * @throws IllegalStateException while a test boot is not yet committed
     */
    public UpdateSession resumeUpdate(UpdateRules rules, long checkpoint)
            throws UpdateRejectedException {
        BootRecord r = current();
        if (r.phase() == BootPhase.TESTING) {
            throw new IllegalStateException("commit or revert the image under test first");
        }
        Slot slot = bootState().running().other();
        return new UpdateSession(this, slot, layout.slot(slot), precheck(rules), checkpoint);
    }

    private UpdatePrecheck precheck(UpdateRules rules) {
        Slot running = bootState().running();
        return new UpdatePrecheck(
                device.counters().read(config.counterId()),
                headerVersion(layout.slot(running)),
                config.imageId(),
                config.components(),
                rules);
    }

    /**
     * Marks {@code slot} not bootable before the updater erases it, so that a power cut while it is
     * rewritten can never boot a half-old, half-new slot or an update that is being replaced.
     *
     * @throws IllegalStateException for the running slot, or while a test boot is not yet committed
     *     (its revert slot must stay intact)
     */
    public void prepareSlot(Slot slot) {
        BootRecord r = current();
        if (slot == r.running()) {
            throw new IllegalStateException("slot " + slot + " holds the running image");
        }
        switch (r.phase()) {
            case TESTING ->
                    throw new IllegalStateException("commit or revert the image under test first");
            case PENDING ->
                    store.append(
                            BootStateMachine.checked(
                                    BootPhase.PENDING,
                                    Event.PREPARE_SLOT,
                                    r.pendingReplaced(slot)));
            default -> {
                if (!r.isRejected(slot)) {
                    store.append(
                            BootStateMachine.checked(
                                    BootPhase.COMMITTED,
                                    Event.PREPARE_SLOT,
                                    r.next().withRejected(r.rejectedMask() | slot.bit())));
                }
            }
        }
    }

    /**
     * Marks the image in {@code slot} pending: the next boot starts it once in test mode. The image
     * is validated first (signature, counter, dependencies) and refused if it would not boot.
     *
     * @return the validated image
     */
    public dev.meerkat.image.VerifiedImage installUpdate(Slot slot) throws UpdateRejectedException {
        BootRecord r = current();
        BootPhase phase = r.phase();
        if (phase == BootPhase.TESTING) {
            throw new IllegalStateException("commit or revert the image under test first");
        }
        Slot running = r.running();
        if (slot == running) {
            throw new IllegalStateException("slot " + slot + " holds the running image");
        }
        Validation v =
                validator.validate(
                        layout.slot(slot),
                        new ImageValidator.Context(
                                device.counters().read(config.counterId()),
                                headerVersion(layout.slot(running)),
                                Optional.empty()));
        if (v instanceof Validation.Invalid bad) {
            throw new UpdateRejectedException(bad.reason(), bad.detail());
        }
        Validation.Valid ok = (Validation.Valid) v;
        BootRecord pending =
                BootStateMachine.checked(phase, Event.INSTALL, r.pending(slot, ok.image().hash()));
        store.append(pending);
        return ok.image();
    }

    /**
     * Declares the running test image good: records it committed, then raises the security counter
     * to the image's. No-op when already committed.
     */
    public void commit() {
        BootRecord r = current();
        if (r.phase() == BootPhase.COMMITTED) {
            BootStateMachine.transition(BootPhase.COMMITTED, Event.COMMIT);
            return;
        }
        BootRecord done = BootStateMachine.checked(r.phase(), Event.COMMIT, r.committedActive());
        store.append(done);
        long counter = securityCounter(layout.slot(r.active()));
        if (counter > device.counters().read(config.counterId())) {
            device.counters().advanceTo(config.counterId(), counter);
        }
    }

    /**
     * Gives up the update: while testing, the next boot returns to the revert slot (the caller
     * reboots); while pending, the update is cancelled.
     */
    public void revert() {
        BootRecord r = current();
        RollbackReason reason =
                r.phase() == BootPhase.PENDING
                        ? RollbackReason.UPDATE_CANCELLED
                        : RollbackReason.APP_REVERT;
        if (r.revert().isEmpty()) {
            throw new IllegalStateException("nothing to revert to");
        }
        store.append(BootStateMachine.checked(r.phase(), Event.REVERT, r.reverted(reason)));
    }

    /** Erased record slots left before the boot-state log moves to its next sector. */
    public int freeRecordSlots() {
        return store.freeSlotsInCurrentSector();
    }

    /** Version in the header of the image in {@code area}, without verifying it. */
    static Optional<ImageVersion> headerVersion(FlashArea area) {
        try {
            return Optional.of(ImageHeader.decode(area.read(0, ImageHeader.SIZE)).version());
        } catch (ImageFormatException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** SEC_CNT of the image in {@code area} (0 if absent or unreadable). */
    static long securityCounter(FlashArea area) {
        try {
            return ParsedImage.parse(new SlotImageSource(area)).securityCounter().orElse(0);
        } catch (ImageFormatException | IllegalArgumentException e) {
            return 0;
        }
    }
}
