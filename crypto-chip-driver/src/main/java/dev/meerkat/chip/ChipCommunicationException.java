package dev.meerkat.chip;

/** The bus exchange failed: no acknowledge, short or corrupted response, bad wake answer. */
public final class ChipCommunicationException extends ChipException {
    public ChipCommunicationException(String message) {
        super(message);
    }

    public ChipCommunicationException(String message, Throwable cause) {
        super(message, cause);
    }
}
