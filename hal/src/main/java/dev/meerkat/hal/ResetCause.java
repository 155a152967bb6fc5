package dev.meerkat.hal;

/** Why the device last (re)started, as a reset-reason register on a microcontroller reports it. */
public enum ResetCause {
    /** First power-up of a fresh device. */
    POWER_ON,
    /** Supply lost (possibly in the middle of a flash operation) and restored. */
    POWER_LOSS,
    /** The watchdog was not kicked in time. */
    WATCHDOG,
    /** Software asked for a reboot (e.g. after installing an update). */
    SOFTWARE,
    /**
     * The running code faulted (crash, panic, failed init) and the fault handler reset the chip.
     */
    FAULT
}
