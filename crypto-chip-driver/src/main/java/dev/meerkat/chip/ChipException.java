package dev.meerkat.chip;

/**
 * Anything that goes wrong talking to a secure element: either the chip answered with an error
 * status ({@link ChipStatusException}) or the exchange itself failed ({@link
 * ChipCommunicationException}).
 */
public abstract sealed class ChipException extends RuntimeException
        permits ChipStatusException, ChipCommunicationException {
    protected ChipException(String message) {
        super(message);
    }

    protected ChipException(String message, Throwable cause) {
        super(message, cause);
    }
}
