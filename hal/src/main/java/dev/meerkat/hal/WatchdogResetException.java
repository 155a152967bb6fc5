package dev.meerkat.hal;

/** The watchdog expired; the running code is interrupted and the device resets. */
public final class WatchdogResetException extends ResetException {

    private static final long serialVersionUID = 1L;

    public WatchdogResetException(String message) {
        super(message);
    }

    @Override
    public ResetCause cause() {
        return ResetCause.WATCHDOG;
    }
}
