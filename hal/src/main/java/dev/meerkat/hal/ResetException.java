package dev.meerkat.hal;

/**
 * Thrown out of any code running on the emulated device when the device stops executing it: the
 * power failed, the watchdog bit, or software requested a reset. Code running "on" the device must
 * not catch it; the harness that drives the device does, and then calls {@link
 * Device#reset(ResetCause)}.
 */
public abstract sealed class ResetException extends RuntimeException
        permits PowerLossException, WatchdogResetException, SoftwareResetException {

    private static final long serialVersionUID = 1L;

    ResetException(String message) {
        super(message, null, false, false);
    }

    /** The reset cause the device will report after restarting. */
    public abstract ResetCause cause();
}
