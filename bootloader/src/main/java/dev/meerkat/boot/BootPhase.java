package dev.meerkat.boot;

/** States of the boot state machine (see {@link BootStateMachine}). */
public enum BootPhase {
    /** No valid boot-state record: a factory-fresh device (or an erased state area). */
    EMPTY,
    /** The active slot holds a committed image; it boots normally. */
    COMMITTED,
    /** An update was installed in the active slot and was not booted yet; the revert slot runs. */
    PENDING,
    /** The active slot's update was booted once in test mode and has not committed yet. */
    TESTING,
    /** No bootable image: the bootloader stays in recovery and reports why. Never persisted. */
    RECOVERY
}
