package dev.meerkat.hal;

/**
 * The supply failed: the operation that throws this was torn (or never started) and every later
 * operation fails the same way until the device is reset.
 */
public final class PowerLossException extends ResetException {

    private static final long serialVersionUID = 1L;

    public PowerLossException(String message) {
        super(message);
    }

    @Override
    public ResetCause cause() {
        return ResetCause.POWER_LOSS;
    }
}
