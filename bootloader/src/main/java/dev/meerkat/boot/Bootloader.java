package dev.meerkat.boot;

import dev.meerkat.boot.BootStateMachine.Event;
import dev.meerkat.hal.Device;
import dev.meerkat.hal.MonotonicCounters;
import dev.meerkat.hal.ResetCause;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The boot decision, run at every reset: read the boot state, apply the state machine, validate the
 * chosen image, and either jump (return {@link BootResult.Jump}) or stay in recovery.
 *
 * <p>Every record the bootloader writes is written <em>before</em> the action it announces (a test
 * boot is recorded before the jump), so a reset at any point is seen at the next boot. The security
 * counter is raised only for committed images, after the committed record is durable; a boot of a
 * committed image whose counter is higher than the device's finishes an interrupted raise.
 */
public final class Bootloader {

    private final Device device;
    private final FlashLayout layout;
    private final BootConfig config;
    private final BootStateStore store;
    private final ImageValidator validator;
    private final Optional<SecureBootGate> secureBoot;

    public Bootloader(Device device, FlashLayout layout, BootConfig config) {
        this(device, layout, config, Optional.empty());
    }

    /** A bootloader that also asks a secure element to approve every image it would jump to. */
    public Bootloader(
            Device device, FlashLayout layout, BootConfig config, SecureBootApprover approver) {
        this(device, layout, config, Optional.of(new SecureBootGate(approver)));
    }

    private Bootloader(
            Device device,
            FlashLayout layout,
            BootConfig config,
            Optional<SecureBootGate> secureBoot) {
        this.device = device;
        this.layout = layout;
        this.config = config;
        this.store = new BootStateStore(layout.bootState(), config.listener());
        this.validator = new ImageValidator(device.rootOfTrust(), config);
        this.secureBoot = secureBoot;
    }

    /** Decides what to run after a reset. */
    public BootResult boot() {
        ResetCause cause = device.lastResetCause();
        Optional<BootRecord> loaded = store.load();
        if (loaded.isEmpty()) {
            return firstBoot();
        }
        BootRecord state = loaded.get();
        log("boot after " + cause + ": " + state);
        switch (state.phase()) {
            case TESTING ->
                    state =
                            revert(
                                    state,
                                    Event.RESET_IN_TEST,
                                    RollbackReason.forTestBootReset(cause));
            case PENDING -> {
                Slot candidate = state.active();
                Validation v =
                        validate(
                                candidate,
                                state.revert().map(this::versionIn).orElse(Optional.empty()),
                                Optional.of(state.activeHash()));
                if (v instanceof Validation.Valid ok) {
                    BootRecord testing =
                            BootStateMachine.checked(
                                    BootPhase.PENDING,
                                    Event.BOOT_VALID,
                                    state.next().withAttempts(state.attempts() + 1));
                    store.append(testing);
                    device.watchdog().start(config.testWatchdog());
                    log("test boot of " + candidate + " " + ok.image().version());
                    return new BootResult.Jump(candidate, BootMode.TEST, ok.image(), testing);
                }
                Validation.Invalid bad = (Validation.Invalid) v;
                log("pending image in " + candidate + " refused: " + bad.detail());
                state = revert(state, Event.BOOT_INVALID, bad.reason());
            }
            default -> {}
        }
        return bootCommitted(state);
    }

    private BootResult bootCommitted(BootRecord state) {
        Slot slot = state.active();
        Validation v = validate(slot, Optional.empty(), Optional.of(state.activeHash()));
        if (v instanceof Validation.Valid ok) {
            BootStateMachine.transition(BootPhase.COMMITTED, Event.BOOT_VALID);
            raiseCounter(ok.securityCounter());
            startNormalWatchdog();
            log("normal boot of " + slot + " " + ok.image().version());
            return new BootResult.Jump(slot, BootMode.NORMAL, ok.image(), state);
        }
        Validation.Invalid bad = (Validation.Invalid) v;
        List<String> problems = new ArrayList<>();
        problems.add(slot + ": " + bad.reason() + " (" + bad.detail() + ")");
        Slot other = slot.other();
        if (state.isRejected(other)) {
            problems.add(other + ": rejected earlier (" + state.lastRollback() + ")");
        } else {
            Validation w = validate(other, Optional.empty(), Optional.empty());
            if (w instanceof Validation.Valid ok) {
                BootRecord fallback =
                        BootStateMachine.checked(
                                BootPhase.COMMITTED,
                                Event.FALLBACK,
                                state.fallback(slot, other, ok.image().hash()));
                store.append(fallback);
                log(
                        "committed image in "
                                + slot
                                + " invalid ("
                                + bad.detail()
                                + "); falling back to "
                                + other);
                raiseCounter(ok.securityCounter());
                startNormalWatchdog();
                return new BootResult.Jump(other, BootMode.NORMAL, ok.image(), fallback);
            }
            Validation.Invalid w2 = (Validation.Invalid) w;
            problems.add(other + ": " + w2.reason() + " (" + w2.detail() + ")");
        }
        BootStateMachine.transition(BootPhase.COMMITTED, Event.NO_BOOTABLE_IMAGE);
        BootResult.Recovery r = new BootResult.Recovery(problems);
        log(r.report());
        return r;
    }

    private BootResult firstBoot() {
        log("no boot state: first boot");
        Validation.Valid best = null;
        Slot bestSlot = null;
        List<String> problems = new ArrayList<>();
        for (Slot s : Slot.values()) {
            Validation v = validate(s, Optional.empty(), Optional.empty());
            if (v instanceof Validation.Valid ok) {
                if (best == null || ok.image().version().compareTo(best.image().version()) > 0) {
                    best = ok;
                    bestSlot = s;
                }
            } else {
                Validation.Invalid bad = (Validation.Invalid) v;
                problems.add(s + ": " + bad.reason() + " (" + bad.detail() + ")");
            }
        }
        if (best == null) {
            BootStateMachine.transition(BootPhase.EMPTY, Event.NO_BOOTABLE_IMAGE);
            BootResult.Recovery r = new BootResult.Recovery(problems);
            log(r.report());
            return r;
        }
        BootRecord first =
                BootStateMachine.checked(
                        BootPhase.EMPTY,
                        Event.FIRST_BOOT,
                        BootRecord.firstBoot(bestSlot, best.image().hash()));
        store.append(first);
        log("first boot: committing " + bestSlot + " " + best.image().version());
        raiseCounter(best.securityCounter());
        startNormalWatchdog();
        return new BootResult.Jump(bestSlot, BootMode.NORMAL, best.image(), first);
    }

    private BootRecord revert(BootRecord state, Event event, RollbackReason reason) {
        BootRecord reverted =
                BootStateMachine.checked(state.phase(), event, state.reverted(reason));
        log(
                "revert from "
                        + state.active()
                        + " to "
                        + reverted.active()
                        + ": "
                        + reason.description());
        store.append(reverted);
        return reverted;
    }

    private Validation validate(
            Slot slot,
            Optional<dev.meerkat.image.ImageVersion> running,
            Optional<byte[]> expectedHash) {
        MonotonicCounters c = device.counters();
        Validation v =
                validator.validate(
                        layout.slot(slot),
                        new ImageValidator.Context(
                                c.read(config.counterId()), running, expectedHash));
        if (v instanceof Validation.Valid ok && secureBoot.isPresent()) {
            return secureBoot.get().check(layout.slot(slot), ok);
        }
        return v;
    }

    private Optional<dev.meerkat.image.ImageVersion> versionIn(Slot slot) {
        return BootControl.headerVersion(layout.slot(slot));
    }

    private void raiseCounter(long value) {
        MonotonicCounters c = device.counters();
        if (value > c.read(config.counterId())) {
            log("security counter -> " + value);
            c.advanceTo(config.counterId(), value);
        }
    }

    private void startNormalWatchdog() {
        config.normalWatchdog().ifPresent(d -> device.watchdog().start(d));
    }

    private void log(String message) {
        config.listener().log(message);
    }

    /** The boot-state store (for inspection). */
    public BootStateStore store() {
        return store;
    }
}
