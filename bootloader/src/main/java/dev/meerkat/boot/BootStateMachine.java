package dev.meerkat.boot;

import java.util.List;
import java.util.Optional;

/**
 * The boot state machine as data: every legal (state, event) pair and where it leads. The {@link
 * Bootloader} and {@link BootControl} consult {@link #transition(BootPhase, Event)} for every
 * change and check that the record they write lands in the table's target state; a pair missing
 * from the table is refused.
 */
public final class BootStateMachine {

    /** Things that happen to the boot state. */
    public enum Event {
        /** Boot with no valid record and a valid image in a slot. */
        FIRST_BOOT,
        /** The image the state selects validates. */
        BOOT_VALID,
        /** The image the state selects does not validate. */
        BOOT_INVALID,
        /** The committed image is invalid but the other slot holds a valid, non-rejected image. */
        FALLBACK,
        /** Boot found a test boot that ended without commit (any reset). */
        RESET_IN_TEST,
        /** Nothing bootable. */
        NO_BOOTABLE_IMAGE,
        /** Application: a slot is about to be erased and rewritten. */
        PREPARE_SLOT,
        /** Application: an update was written to a slot and should be tried. */
        INSTALL,
        /** Application: the running test image works. */
        COMMIT,
        /** Application: give up the update. */
        REVERT
    }

    /**
     * One row of the table.
     *
     * @param from state before
     * @param event what happened
     * @param to state after
     * @param effect what is done, in order
     */
    public record Transition(BootPhase from, Event event, BootPhase to, String effect) {}

    /** The complete table. */
    public static final List<Transition> TABLE =
            List.of(
                    new Transition(
                            BootPhase.EMPTY,
                            Event.FIRST_BOOT,
                            BootPhase.COMMITTED,
                            "write a committed record for the newest valid slot; raise counter; jump"),
                    new Transition(
                            BootPhase.EMPTY,
                            Event.NO_BOOTABLE_IMAGE,
                            BootPhase.RECOVERY,
                            "report every slot's problem; stay in recovery"),
                    new Transition(
                            BootPhase.COMMITTED,
                            Event.BOOT_VALID,
                            BootPhase.COMMITTED,
                            "raise counter to the image's if lower; jump normally"),
                    new Transition(
                            BootPhase.COMMITTED,
                            Event.FALLBACK,
                            BootPhase.COMMITTED,
                            "reject the invalid slot; make the other valid slot active; raise counter; jump"),
                    new Transition(
                            BootPhase.COMMITTED,
                            Event.NO_BOOTABLE_IMAGE,
                            BootPhase.RECOVERY,
                            "report every slot's problem; stay in recovery"),
                    new Transition(
                            BootPhase.PENDING,
                            Event.BOOT_VALID,
                            BootPhase.TESTING,
                            "write attempts=1; start the watchdog; jump in test mode"),
                    new Transition(
                            BootPhase.PENDING,
                            Event.BOOT_INVALID,
                            BootPhase.COMMITTED,
                            "revert: reject the candidate, record the validation failure; boot the revert slot"),
                    new Transition(
                            BootPhase.TESTING,
                            Event.RESET_IN_TEST,
                            BootPhase.COMMITTED,
                            "revert: reject the candidate, record the reset cause; boot the revert slot"),
                    new Transition(
                            BootPhase.COMMITTED,
                            Event.PREPARE_SLOT,
                            BootPhase.COMMITTED,
                            "mark the inactive slot not bootable before it is erased"),
                    new Transition(
                            BootPhase.PENDING,
                            Event.PREPARE_SLOT,
                            BootPhase.COMMITTED,
                            "cancel the pending update (UPDATE_REPLACED); mark its slot not bootable"),
                    new Transition(
                            BootPhase.COMMITTED,
                            Event.INSTALL,
                            BootPhase.PENDING,
                            "validate the new image; write active=new, revert=running, attempts=0"),
                    new Transition(
                            BootPhase.PENDING,
                            Event.INSTALL,
                            BootPhase.PENDING,
                            "validate again; rewrite the pending record"),
                    new Transition(
                            BootPhase.TESTING,
                            Event.COMMIT,
                            BootPhase.COMMITTED,
                            "write committed record; then raise the security counter"),
                    new Transition(
                            BootPhase.COMMITTED,
                            Event.COMMIT,
                            BootPhase.COMMITTED,
                            "nothing (already committed)"),
                    new Transition(
                            BootPhase.TESTING,
                            Event.REVERT,
                            BootPhase.COMMITTED,
                            "revert (APP_REVERT); the caller reboots into the revert slot"),
                    new Transition(
                            BootPhase.PENDING,
                            Event.REVERT,
                            BootPhase.COMMITTED,
                            "cancel the pending update (UPDATE_CANCELLED)"));

    private BootStateMachine() {}

    /** The row for {@code (from, event)}, if the table allows it. */
    public static Optional<Transition> find(BootPhase from, Event event) {
        return TABLE.stream().filter(t -> t.from() == from && t.event() == event).findFirst();
    }

    /**
     * The row for {@code (from, event)}.
     *
     * @throws IllegalStateException when the table has no such transition
     */
    public static Transition transition(BootPhase from, Event event) {
        return find(from, event)
                .orElseThrow(
                        () ->
                                new IllegalStateException(
                                        "no transition for " + event + " in state " + from));
    }

    /** Checks that {@code next} lands where the table says {@code (from, event)} leads. */
    static BootRecord checked(BootPhase from, Event event, BootRecord next) {
        Transition t = transition(from, event);
        if (next.phase() != t.to()) {
            throw new IllegalStateException(
                    "transition "
                            + from
                            + " --"
                            + event
                            + "--> produced "
                            + next.phase()
                            + ", table says "
                            + t.to());
        }
        return next;
    }

    /** The table as a Mermaid state diagram. */
    public static String mermaid() {
        StringBuilder sb = new StringBuilder("stateDiagram-v2\n");
        sb.append("    [*] --> EMPTY\n");
        for (Transition t : TABLE) {
            sb.append("    ")
                    .append(t.from())
                    .append(" --> ")
                    .append(t.to())
                    .append(" : ")
                    .append(t.event())
                    .append('\n');
        }
        return sb.toString();
    }
}
