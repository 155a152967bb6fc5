package dev.meerkat.fwzip;

/**
 * Everything the reader keeps about one entry, including the raw header fields that a rewrite must
 * carry over.
 */
record ZipRecord(
        FwEntry entry,
        int flags,
        int dosTime,
        int dosDate,
        byte[] localExtra,
        byte[] centralExtra,
        /* end of the entry's bytes in the file, including any data descriptor */
        long endOffset) {

    String name() {
        return entry.name();
    }

    boolean hasDataDescriptor() {
        return (flags & ZipFormat.FLAG_DATA_DESCRIPTOR) != 0;
    }
}
