package dev.meerkat.hal;

/** A monotonic counter refused an update (it would decrease, or it is exhausted). */
public final class CounterException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CounterException(String message) {
        super(message);
    }
}
