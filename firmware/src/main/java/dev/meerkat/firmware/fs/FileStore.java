package dev.meerkat.firmware.fs;

import java.util.List;
import java.util.Optional;

/**
 * The device's small file store (configuration levels, OTA state, application files). Every {@link
 * #write} is atomic: after a power cut a file holds either its old or its new content.
 */
public interface FileStore {

    /** Content of {@code name}, if it exists. */
    Optional<byte[]> read(String name);

    /** Replaces {@code name} with {@code content} atomically (write new, then switch). */
    void write(String name, byte[] content);

    /** Removes {@code name}; false when it did not exist. */
    boolean delete(String name);

    /** Names of all files, sorted. */
    List<String> list();

    /** Rejects names that could escape the store or are not plain file names. */
    static String checkName(String name) {
        if (name == null
                || name.isEmpty()
                || name.length() > 64
                || !name.matches("[A-Za-z0-9._-]+")
                || name.startsWith(".")) {
            throw new IllegalArgumentException("bad file name: " + name);
        }
        return name;
    }
}
