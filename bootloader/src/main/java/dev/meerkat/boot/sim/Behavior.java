package dev.meerkat.boot.sim;

/** What a simulated firmware image does when it is started in test mode. */
public enum Behavior {
    /** Initialises and commits explicitly. */
    COMMIT,
    /** Runs healthy and commits when its own commit timeout expires. */
    AUTO_COMMIT,
    /** Initialisation fails: the fault handler resets the device before commit. */
    FAIL_INIT,
    /** Hangs without kicking the watchdog. */
    HANG,
    /** Decides the update is bad, asks for a revert and reboots. */
    REVERT
}
