package dev.meerkat.fwzip;

import java.util.Objects;

/**
 * One entry of a fw.zip archive as described by its central directory and checked against its local
 * header.
 *
 * @param name entry name, validated to be a safe relative path
 * @param method how the data is stored
 * @param crc32 CRC-32 of the uncompressed data
 * @param compressedSize bytes of data in the file
 * @param size bytes of data after decompression
 * @param localHeaderOffset offset of the local file header
 * @param dataOffset offset of the first byte of (compressed) data
 */
public record FwEntry(
        String name,
        Method method,
        long crc32,
        long compressedSize,
        long size,
        long localHeaderOffset,
        long dataOffset) {

    /** Compression methods fw.zip readers accept. Writers only use {@link #STORED}. */
    public enum Method {
        STORED(0),
        DEFLATED(8);

        private final int code;

        Method(int code) {
            this.code = code;
        }

        /** The ZIP method number. */
        public int code() {
            return code;
        }
    }

    public FwEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(method, "method");
    }

    /** True for a directory entry (its name ends with a slash). */
    public boolean isDirectory() {
        return name.endsWith("/");
    }
}
