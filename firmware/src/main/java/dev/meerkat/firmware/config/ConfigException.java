package dev.meerkat.firmware.config;

/** A configuration change that the schema refuses (unknown key, wrong type). */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
