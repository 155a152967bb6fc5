package dev.meerkat.fwzip;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.fwzip.FwZipException.Problem;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A fw.zip firmware bundle opened for reading.
 *
 * <p>Opening checks the whole ZIP structure (end record, central directory, every local header,
 * entry names, overlaps, limits), reads and parses manifest.json (which must be the first entry)
 * and decodes the signature field. Part data is not read until {@link #openPart} or {@link
 * #verify}, and then it is streamed, so bundles of any size within ZIP limits use little memory.
 *
 * <p>Both layouts are accepted: entries at the archive root (as {@code mos} writes them) or under
 * one directory, normally {@code <name>-<version>/} (as {@code mgos_fw_meta.py create_fw} writes
 * them). Part {@code src} names are resolved relative to the manifest's directory.
 *
 * <p>Instances are not thread-safe for concurrent reads through a non-file channel.
 */
public final class FwBundle implements Closeable {
    /** The manifest's file name. */
    public static final String MANIFEST_NAME = "manifest.json";

    /** Largest manifest accepted, in bytes. */
    public static final int MAX_MANIFEST_SIZE = 1 << 20;

    /** Where the entries sit in the archive. */
    public enum Layout {
        /** Entries at the archive root ({@code mos}). */
        ROOT,
        /**
         * Entries under one directory such as {@code demo-app-1.4.2/} ({@code mgos_fw_meta.py}).
         */
        DIRECTORY
    }

    private final SeekableByteChannel channel;
    private final ZipReader zip;
    private final ZipRecord manifestRecord;
    private final byte[] manifestBytes;
    private final FwManifest manifest;
    private final Layout layout;
    private final String prefix;
    private final List<FwSignature> signatures;
    private final Map<String, JsonNode> signatureAttributes;
    private final Map<String, ZipRecord> byName = new LinkedHashMap<>();

    private FwBundle(SeekableByteChannel channel) throws FwZipException {
        this.channel = channel;
        this.zip = new ZipReader(channel);
        for (ZipRecord r : zip.records()) {
            byName.put(r.name(), r);
        }
        List<ZipRecord> records = zip.records();
        if (records.isEmpty()) {
            throw new FwZipException(
                    Problem.MISSING_MANIFEST,
                    null,
                    -1,
                    "archive is empty; it has no " + MANIFEST_NAME);
        }
        ZipRecord first = records.get(0);
        for (ZipRecord r : records) {
            if (r.entry().localHeaderOffset() < first.entry().localHeaderOffset()) {
                throw new FwZipException(
                        Problem.MISSING_MANIFEST,
                        r.name(),
                        r.entry().localHeaderOffset(),
                        "entry precedes the first central directory entry in the file; "
                                + MANIFEST_NAME
                                + " must come first");
            }
        }
        String n = first.name();
        if (n.equals(MANIFEST_NAME)) {
            layout = Layout.ROOT;
            prefix = "";
        } else if (n.endsWith("/" + MANIFEST_NAME)
                && n.indexOf('/') == n.length() - MANIFEST_NAME.length() - 1) {
            layout = Layout.DIRECTORY;
            prefix = n.substring(0, n.length() - MANIFEST_NAME.length());
        } else {
            boolean elsewhere =
                    records.stream()
                            .anyMatch(
                                    r ->
                                            r.name().equals(MANIFEST_NAME)
                                                    || r.name().endsWith("/" + MANIFEST_NAME));
            throw new FwZipException(
                    Problem.MISSING_MANIFEST,
                    n,
                    first.entry().localHeaderOffset(),
                    elsewhere
                            ? MANIFEST_NAME + " must be the first entry of the archive"
                            : "archive has no " + MANIFEST_NAME);
        }
        this.manifestRecord = first;
        FwEntry me = first.entry();
        if (me.size() > MAX_MANIFEST_SIZE) {
            throw new FwZipException(
                    Problem.LIMIT_EXCEEDED,
                    n,
                    me.localHeaderOffset(),
                    "manifest is "
                            + me.size()
                            + " bytes, more than the limit of "
                            + MAX_MANIFEST_SIZE);
        }
        this.manifestBytes = readSmall(first, (int) me.size());
        this.manifest = FwManifest.parse(manifestBytes);
        SignatureField.Decoded d =
                SignatureField.decode(
                        first.localExtra(),
                        n,
                        me.localHeaderOffset()
                                + ZipFormat.LOCAL_HEADER_LEN
                                + n.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        SignatureField.Decoded c = SignatureField.decode(first.centralExtra(), n, -1);
        if (!c.signatures().isEmpty() && !c.equals(d)) {
            throw new FwZipException(
                    Problem.BAD_SIGNATURE_FIELD,
                    n,
                    me.localHeaderOffset(),
                    "signature field in the central directory differs from the local header's");
        }
        this.signatures = d.signatures();
        this.signatureAttributes = Collections.unmodifiableMap(new LinkedHashMap<>(d.attributes()));
        for (FwPart p : manifest.parts().values()) {
            if (p.src() != null) {
                String why =
                        p.src().contains("/")
                                ? "contains a '/'"
                                : ZipFormat.entryNameProblem(p.src());
                if (why != null) {
                    throw new FwZipException(
                            Problem.BAD_MANIFEST,
                            n,
                            -1,
                            "parts."
                                    + FwZipException.sanitize(p.name())
                                    + ".src '"
                                    + FwZipException.sanitize(p.src())
                                    + "' is not a plain file name ("
                                    + why
                                    + ")");
                }
            }
        }
    }

    private byte[] readSmall(ZipRecord r, int size) throws FwZipException {
        byte[] out = new byte[size];
        try (InputStream in = zip.open(r)) {
            int off = 0;
            while (off < size) {
                int k = in.read(out, off, size - off);
                if (k < 0) {
                    break;
                }
                off += k;
            }
            if (in.read() != -1 || off != size) {
                throw new FwZipException(
                        Problem.SIZE_MISMATCH,
                        r.name(),
                        r.entry().dataOffset(),
                        "entry data does not match its declared size");
            }
        } catch (FwZipException e) {
            throw e;
        } catch (IOException e) {
            throw new FwZipException(Problem.IO, r.name(), -1, e.getMessage(), e);
        }
        return out;
    }

    /** Opens a bundle file. */
    public static FwBundle open(Path file) throws FwZipException {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException | RuntimeException e) {
            throw new FwZipException(Problem.IO, "cannot open " + file + ": " + e.getMessage(), e);
        }
        return open(ch);
    }

    /** Opens a bundle held in memory (e.g. one a device received over the network). */
    public static FwBundle open(byte[] zip) throws FwZipException {
        return open(new ByteArrayChannel(zip.clone()));
    }

    /** Opens a bundle from a channel; the bundle owns the channel and closes it. */
    public static FwBundle open(SeekableByteChannel channel) throws FwZipException {
        try {
            return new FwBundle(channel);
        } catch (FwZipException e) {
            closeQuietly(channel);
            throw e;
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw new FwZipException(Problem.MALFORMED, "unexpected error while reading: " + e, e);
        }
    }

    private static void closeQuietly(SeekableByteChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // Already failing; the first error is the one worth reporting.
        }
    }

    /** The parsed manifest. */
    public FwManifest manifest() {
        return manifest;
    }

    /** The manifest exactly as stored; signatures cover these bytes. */
    public byte[] manifestBytes() {
        return manifestBytes.clone();
    }

    /** Where the entries sit. */
    public Layout layout() {
        return layout;
    }

    /** The directory prefix of the manifest entry: {@code ""} or for example {@code "app-1.0/"}. */
    public String entryPrefix() {
        return prefix;
    }

    /** All entries, in central directory order (the manifest first). */
    public List<FwEntry> entries() {
        return zip.records().stream().map(ZipRecord::entry).toList();
    }

    /** The manifest's entry. */
    public FwEntry manifestEntry() {
        return manifestRecord.entry();
    }

    /** Signatures from the manifest entry's local header, in slot order. */
    public List<FwSignature> signatures() {
        return signatures;
    }

    /** Non-signature attributes stored in the signature field (copies). */
    public Map<String, JsonNode> signatureAttributes() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        signatureAttributes.forEach((k, v) -> out.put(k, v.deepCopy()));
        return out;
    }

    /** The size of the file. */
    public long fileSize() {
        return zip.fileSize();
    }

    /** The archive entry holding a part's data, if the part has data and the entry exists. */
    public Optional<FwEntry> partEntry(String partName) {
        FwPart p = manifest.parts().get(partName);
        if (p == null || p.src() == null) {
            return Optional.empty();
        }
        ZipRecord r = byName.get(prefix + p.src());
        return r == null ? Optional.empty() : Optional.of(r.entry());
    }

    /** Entries that no part refers to (besides the manifest and directory entries). */
    public List<String> unreferencedEntries() {
        List<String> out = new ArrayList<>();
        java.util.Set<String> used = new java.util.HashSet<>();
        used.add(manifestRecord.name());
        for (FwPart p : manifest.parts().values()) {
            if (p.src() != null) {
                used.add(prefix + p.src());
            }
        }
        for (ZipRecord r : zip.records()) {
            if (!used.contains(r.name()) && !r.entry().isDirectory()) {
                out.add(r.name());
            }
        }
        return out;
    }

    /**
     * Streams a part's data. The stream checks size and CRC-32 as it reaches the end and throws
     * {@link FwZipException} from {@code read} on any mismatch; it does not check the manifest
     * checksums (use {@link #verify} for that).
     */
    public InputStream openPart(String partName) throws FwZipException {
        FwPart p = manifest.parts().get(partName);
        if (p == null) {
            throw new FwZipException(
                    Problem.NO_SUCH_PART,
                    null,
                    -1,
                    "manifest has no part '" + FwZipException.sanitize(partName) + "'");
        }
        if (p.src() == null) {
            throw new FwZipException(
                    Problem.MISSING_PART_DATA,
                    null,
                    -1,
                    "part '" + FwZipException.sanitize(partName) + "' has no src");
        }
        ZipRecord r = byName.get(prefix + p.src());
        if (r == null) {
            throw new FwZipException(
                    Problem.MISSING_PART_DATA,
                    prefix + p.src(),
                    -1,
                    "part '"
                            + FwZipException.sanitize(partName)
                            + "' names a file missing from the archive");
        }
        return zip.open(r);
    }

    /** Streams any entry's data, with the same checks as {@link #openPart}. */
    public InputStream openEntry(String entryName) throws FwZipException {
        ZipRecord r = byName.get(entryName);
        if (r == null) {
            throw new FwZipException(Problem.MISSING_PART_DATA, entryName, -1, "no such entry");
        }
        return zip.open(r);
    }

    /**
     * Checks every part's size, SHA-1 and SHA-256 and every signature against {@code keys}. Never
     * throws for bad content: anything wrong is recorded in the returned report.
     *
     * @param keys public keys, any of which may have signed the bundle; may be empty
     * @param requireSignature if true, the bundle is valid only if a signature matches a key
     */
    public FwVerification verify(List<PublicKey> keys, boolean requireSignature) {
        List<FwVerification.PartResult> parts = new ArrayList<>();
        for (FwPart p : manifest.parts().values()) {
            parts.add(checkPart(p));
        }
        List<FwVerification.SignatureResult> sigs = new ArrayList<>();
        for (FwSignature s : signatures) {
            int match = -1;
            for (int i = 0; i < keys.size() && match < 0; i++) {
                if (FwKeys.verify(keys.get(i), manifestBytes, s.der())) {
                    match = i;
                }
            }
            sigs.add(
                    new FwVerification.SignatureResult(
                            s.slot(),
                            match,
                            match < 0 ? null : FwKeys.fingerprint(keys.get(match))));
        }
        List<String> problems = new ArrayList<>();
        boolean matched = sigs.stream().anyMatch(FwVerification.SignatureResult::matched);
        if (requireSignature && keys.isEmpty()) {
            problems.add("a signature is required but no public key was given");
        } else if (!keys.isEmpty() && !matched) {
            problems.add(
                    signatures.isEmpty()
                            ? "bundle is not signed"
                            : "none of the "
                                    + signatures.size()
                                    + " signature(s) matches any of the "
                                    + keys.size()
                                    + " given key(s)");
        }
        return new FwVerification(parts, sigs, keys.size(), requireSignature, problems);
    }

    private FwVerification.PartResult checkPart(FwPart p) {
        if (p.src() == null) {
            return new FwVerification.PartResult(
                    p.name(), null, false, p.size(), -1, true, true, true, null, null, null);
        }
        String entryName = prefix + p.src();
        ZipRecord r = byName.get(entryName);
        if (r == null) {
            return new FwVerification.PartResult(
                    p.name(),
                    null,
                    true,
                    p.size(),
                    -1,
                    false,
                    false,
                    false,
                    null,
                    null,
                    "file '"
                            + FwZipException.sanitize(entryName)
                            + "' is missing from the archive");
        }
        MessageDigest sha1;
        MessageDigest sha256;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long n = 0;
        try (InputStream in = zip.open(r)) {
            byte[] buf = new byte[64 * 1024];
            int k;
            while ((k = in.read(buf)) >= 0) {
                sha1.update(buf, 0, k);
                sha256.update(buf, 0, k);
                n += k;
            }
        } catch (IOException | RuntimeException e) {
            return new FwVerification.PartResult(
                    p.name(),
                    entryName,
                    true,
                    p.size(),
                    -1,
                    false,
                    false,
                    false,
                    null,
                    null,
                    String.valueOf(e.getMessage()));
        }
        HexFormat hex = HexFormat.of();
        String h1 = hex.formatHex(sha1.digest());
        String h256 = hex.formatHex(sha256.digest());
        boolean sizeOk = p.size() != null && p.size() == n;
        boolean ok1 = p.csSha1() != null && p.csSha1().equalsIgnoreCase(h1);
        boolean ok256 = p.csSha256() != null && p.csSha256().equalsIgnoreCase(h256);
        List<String> why = new ArrayList<>();
        if (!sizeOk) {
            why.add(
                    p.size() == null
                            ? "manifest has no size"
                            : "size is " + n + ", manifest says " + p.size());
        }
        if (!ok1) {
            why.add(p.csSha1() == null ? "manifest has no cs_sha1" : "SHA-1 mismatch");
        }
        if (!ok256) {
            why.add(p.csSha256() == null ? "manifest has no cs_sha256" : "SHA-256 mismatch");
        }
        return new FwVerification.PartResult(
                p.name(),
                entryName,
                true,
                p.size(),
                n,
                sizeOk,
                ok1,
                ok256,
                h1,
                h256,
                why.isEmpty() ? null : String.join("; ", why));
    }

    ZipReader zip() {
        return zip;
    }

    ZipRecord manifestRecord() {
        return manifestRecord;
    }

    @Override
    public void close() throws FwZipException {
        try {
            channel.close();
        } catch (IOException e) {
            throw new FwZipException(Problem.IO, "close failed: " + e.getMessage(), e);
        }
    }
}
