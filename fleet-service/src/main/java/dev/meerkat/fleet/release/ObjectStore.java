package dev.meerkat.fleet.release;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where release artifacts live: an S3-compatible bucket ({@link S3ObjectStore}) or a local
 * directory ({@link DirectoryObjectStore}, the embedded default). Objects are written once and
 * never changed.
 */
public interface ObjectStore {

    void put(String key, Path file) throws IOException;

    /** Bytes {@code [from, from + length)} of an object. */
    InputStream read(String key, long from, long length) throws IOException;

    /** A time-limited URL a device can download from directly, when the store offers one. */
    Optional<URI> presign(String key);

    /** True when the store answers (readiness). */
    boolean reachable();
}
