package dev.meerkat.fwzip;

import java.io.IOException;
import java.util.Objects;

/**
 * The one exception type the fw.zip code throws for bad input, bad keys or I/O failures.
 *
 * <p>It is an {@link IOException} so that part streams returned by {@link FwBundle#openPart} can
 * report corruption from {@code read()} directly. The message always says what is wrong and, where
 * known, names the archive entry and the byte offset in the file.
 */
public final class FwZipException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What kind of problem was found. */
    public enum Problem {
        /** Reading or writing the file failed at the operating-system level. */
        IO,
        /** The file is not a ZIP archive, or is cut short. */
        NOT_A_ZIP,
        /** A header field is inconsistent or out of bounds (sizes, offsets, lengths). */
        MALFORMED,
        /** The archive uses ZIP64 records, which fw.zip never needs. */
        ZIP64_UNSUPPORTED,
        /** The archive spans several disks. */
        MULTI_DISK,
        /** A limit on entry count, sizes or nesting was exceeded. */
        LIMIT_EXCEEDED,
        /**
         * An entry name is empty, absolute, contains {@code ..}, backslashes or control characters.
         */
        BAD_ENTRY_NAME,
        /** Two entries have the same name (also compared ignoring case). */
        DUPLICATE_ENTRY,
        /** Two entries share bytes in the file, or an entry runs into the central directory. */
        OVERLAPPING_ENTRIES,
        /** The local header disagrees with the central directory. */
        HEADER_MISMATCH,
        /** The entry is encrypted or uses a method other than STORED or Deflate. */
        UNSUPPORTED_METHOD,
        /** Deflate data is corrupt. */
        BAD_COMPRESSED_DATA,
        /** The CRC-32 of an entry does not match its header. */
        CRC_MISMATCH,
        /** An entry's data is longer or shorter than its header says. */
        SIZE_MISMATCH,
        /** There is no manifest.json, or it is not the first entry. */
        MISSING_MANIFEST,
        /** The manifest is not valid JSON or does not have the fw.zip shape. */
        BAD_MANIFEST,
        /** A part's data does not match the manifest's size or checksums. */
        CHECKSUM_MISMATCH,
        /** A part names a source file that is not in the archive. */
        MISSING_PART_DATA,
        /** No part of that name exists in the manifest. */
        NO_SUCH_PART,
        /** The signature extra field (ID 0x293a) is malformed. */
        BAD_SIGNATURE_FIELD,
        /** A key file could not be read, or the key is not an ECDSA P-256 key. */
        BAD_KEY,
        /** The arguments given to the writer are inconsistent. */
        INVALID_ARGUMENT,
    }

    private final Problem problem;
    private final String entry;
    private final long offset;

    public FwZipException(Problem problem, String entry, long offset, String detail) {
        this(problem, entry, offset, detail, null);
    }

    public FwZipException(
            Problem problem, String entry, long offset, String detail, Throwable cause) {
        super(format(entry, offset, detail), cause);
        this.problem = Objects.requireNonNull(problem, "problem");
        this.entry = entry;
        this.offset = offset;
    }

    public FwZipException(Problem problem, String detail) {
        this(problem, null, -1, detail, null);
    }

    public FwZipException(Problem problem, String detail, Throwable cause) {
        this(problem, null, -1, detail, cause);
    }

    private static String format(String entry, long offset, String detail) {
        StringBuilder sb = new StringBuilder();
        if (entry != null) {
            sb.append("entry '").append(sanitize(entry)).append('\'');
        }
        if (offset >= 0) {
            sb.append(sb.length() == 0 ? "" : " ").append("at offset ").append(offset);
            sb.append(" (0x").append(Long.toHexString(offset)).append(')');
        }
        if (sb.length() > 0) {
            sb.append(": ");
        }
        return sb.append(detail).toString();
    }

    /** Keeps hostile names from putting control characters into messages. */
    static String sanitize(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (s.length() > 200) {
            sb.append("...");
        }
        return sb.toString();
    }

    /** What kind of problem this is. */
    public Problem problem() {
        return problem;
    }

    /** The archive entry concerned, or {@code null} if none. */
    public String entry() {
        return entry;
    }

    /** The byte offset in the file concerned, or {@code -1} if none. */
    public long offset() {
        return offset;
    }
}
