package dev.meerkat.boot;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The boot state as the application sees it.
 *
 * @param phase state-machine state
 * @param active slot the bootloader will start (the candidate while an update is pending)
 * @param revert slot to return to if the update fails
 * @param committed whether the active image is committed
 * @param attempts test boots started for the uncommitted active image
 * @param lastRollback reason of the most recent rollback
 * @param rollbackSlot slot given up by that rollback
 * @param rejected slots that will not be booted until an image is installed there again
 * @param sequence sequence number of the record in force
 */
public record BootStatus(
        BootPhase phase,
        Slot active,
        Optional<Slot> revert,
        boolean committed,
        int attempts,
        RollbackReason lastRollback,
        Optional<Slot> rollbackSlot,
        Set<Slot> rejected,
        long sequence) {

    public BootStatus {
        rejected = rejected.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(rejected));
    }

    static BootStatus of(BootRecord r) {
        Set<Slot> rej = EnumSet.noneOf(Slot.class);
        for (Slot s : Slot.values()) {
            if (r.isRejected(s)) {
                rej.add(s);
            }
        }
        return new BootStatus(
                r.phase(),
                r.active(),
                r.revert(),
                r.committed(),
                r.attempts(),
                r.lastRollback(),
                r.rollbackSlot(),
                rej,
                r.sequence());
    }

    /** The slot whose image is running now. */
    public Slot running() {
        return phase == BootPhase.PENDING ? revert.orElse(active) : active;
    }
}
