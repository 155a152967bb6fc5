package dev.meerkat.fwzip;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.fwzip.FwZipException.Problem;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * Writes fw.zip bundles the way {@code mos} and {@code mgos_fw_meta.py} lay them out: manifest.json
 * first, then each part file once, all STORED, sizes and CRC in the local headers, and the
 * signature field (ID 0x293a) in both the local and central header of the manifest entry.
 *
 * <p>The manifest is serialised in {@code mgos_fw_meta.py}'s format (sorted keys, two-space
 * indent); part files follow in name order. Entries carry a fixed 1980-01-01 timestamp so equal
 * inputs give equal bytes (signatures apart: ECDSA is randomised).
 *
 * <p>Output is atomic: the archive is written to a temporary file in the target directory, forced
 * to disk, then renamed over the target.
 */
public final class FwBundleWriter {
    private final FwManifest template;
    private final FwBundle.Layout layout;
    private final List<PartSource> sources;
    private final Map<Integer, PrivateKey> signers;
    private final Map<String, JsonNode> signatureAttributes;

    private record PartSource(FwPart part, Path file, byte[] bytes) {}

    private FwBundleWriter(Builder b) {
        this.template =
                new FwManifest(
                        b.name,
                        b.platform,
                        b.version,
                        b.buildId,
                        b.buildTimestamp,
                        b.description,
                        Map.of(),
                        b.attributes);
        this.layout = b.layout;
        this.sources = List.copyOf(b.parts);
        this.signers = new TreeMap<>(b.signers);
        this.signatureAttributes = new LinkedHashMap<>(b.signatureAttributes);
    }

    /** Starts a bundle with the three fields every manifest has. */
    public static Builder builder(String name, String platform, String version) {
        return new Builder(name, platform, version);
    }

    /** Collects the contents of a bundle. */
    public static final class Builder {
        private final String name;
        private final String platform;
        private final String version;
        private String buildId;
        private String buildTimestamp;
        private String description;
        private final Map<String, JsonNode> attributes = new LinkedHashMap<>();
        private FwBundle.Layout layout = FwBundle.Layout.ROOT;
        private final List<PartSource> parts = new ArrayList<>();
        private final Map<Integer, PrivateKey> signers = new LinkedHashMap<>();
        private final Map<String, JsonNode> signatureAttributes = new LinkedHashMap<>();

        private Builder(String name, String platform, String version) {
            this.name = requireText(name, "name");
            this.platform = requireText(platform, "platform");
            this.version = requireText(version, "version");
        }

        private static String requireText(String s, String what) {
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException(what + " must not be empty");
            }
            return s;
        }

        public Builder buildId(String v) {
            this.buildId = v;
            return this;
        }

        public Builder buildTimestamp(String v) {
            this.buildTimestamp = v;
            return this;
        }

        public Builder description(String v) {
            this.description = v;
            return this;
        }

        /** Adds a free-form top-level manifest field. */
        public Builder attribute(String key, JsonNode value) {
            if (FwManifest.KNOWN.contains(key)) {
                throw new IllegalArgumentException("'" + key + "' has its own setter");
            }
            attributes.put(key, Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Root layout (as {@code mos}) or {@code <name>-<version>/} directory layout. */
        public Builder layout(FwBundle.Layout v) {
            this.layout = Objects.requireNonNull(v, "layout");
            return this;
        }

        /**
         * Adds a part whose data is read from {@code file}. The part's {@code src} becomes the
         * file's base name unless the part already names one; {@code size} and both checksums are
         * computed.
         */
        public Builder addPart(FwPart part, Path file) {
            parts.add(
                    new PartSource(
                            Objects.requireNonNull(part, "part"),
                            Objects.requireNonNull(file, "file"),
                            null));
            return this;
        }

        /** Adds a part with in-memory data; {@code part.src()} must name the archive file. */
        public Builder addPart(FwPart part, byte[] data) {
            Objects.requireNonNull(part, "part");
            if (part.src() == null) {
                throw new IllegalArgumentException("part '" + part.name() + "' needs a src name");
            }
            parts.add(new PartSource(part, null, data.clone()));
            return this;
        }

        /** Adds a part without data (its fields are written as given). */
        public Builder addPart(FwPart part) {
            parts.add(new PartSource(Objects.requireNonNull(part, "part"), null, null));
            return this;
        }

        /** Signs with {@code key} in the lowest free slot. */
        public Builder signWith(PrivateKey key) {
            int slot = 0;
            while (signers.containsKey(slot)) {
                slot++;
            }
            return signWith(slot, key);
        }

        /** Signs with {@code key} in slot {@code slot} ({@code sig<slot>}). */
        public Builder signWith(int slot, PrivateKey key) {
            if (slot < 0 || slot > FwSignature.MAX_SLOT) {
                throw new IllegalArgumentException(
                        "signature slot must be 0.." + FwSignature.MAX_SLOT);
            }
            if (signers.putIfAbsent(slot, Objects.requireNonNull(key, "key")) != null) {
                throw new IllegalArgumentException("signature slot " + slot + " is already taken");
            }
            return this;
        }

        /** Adds a non-signature attribute to the signature field (as {@code mos --extra-attr}). */
        public Builder signatureAttribute(String key, JsonNode value) {
            if (key.matches("sig[0-9]+")) {
                throw new IllegalArgumentException("'" + key + "' is reserved for signatures");
            }
            signatureAttributes.put(key, Objects.requireNonNull(value, "value"));
            return this;
        }

        public FwBundleWriter build() {
            return new FwBundleWriter(this);
        }
    }

    /** What was written. */
    public record Result(
            Path file, FwManifest manifest, byte[] manifestBytes, List<FwSignature> signatures) {
        public Result {
            manifestBytes = manifestBytes.clone();
            signatures = List.copyOf(signatures);
        }

        @Override
        public byte[] manifestBytes() {
            return manifestBytes.clone();
        }
    }

    private record Hashed(long size, long crc, String sha1, String sha256) {}

    /** Writes the bundle to {@code out}, atomically replacing any existing file. */
    public Result write(Path out) throws FwZipException {
        Map<String, PartSource> files = new TreeMap<>();
        Map<String, Hashed> hashes = new LinkedHashMap<>();
        FwManifest m = template;
        for (PartSource s : sources) {
            FwPart p = s.part();
            if (s.file() == null && s.bytes() == null) {
                m = m.withPart(p);
                continue;
            }
            String src = p.src() != null ? p.src() : s.file().getFileName().toString();
            String why = src.contains("/") ? "contains a '/'" : ZipFormat.entryNameProblem(src);
            if (why != null || src.equals(FwBundle.MANIFEST_NAME)) {
                throw new FwZipException(
                        Problem.INVALID_ARGUMENT,
                        "part '"
                                + p.name()
                                + "': src '"
                                + src
                                + "' cannot be used as an archive file name ("
                                + (why != null ? why : "reserved for the manifest")
                                + ")");
            }
            Hashed h = hash(s);
            Hashed prev = hashes.putIfAbsent(src, h);
            if (prev != null && !prev.equals(h)) {
                throw new FwZipException(
                        Problem.INVALID_ARGUMENT,
                        "parts '"
                                + files.get(src).part().name()
                                + "' and '"
                                + p.name()
                                + "' both use src '"
                                + src
                                + "' but their data differs");
            }
            files.putIfAbsent(src, s);
            m = m.withPart(p.withData(src, h.size(), h.sha1(), h.sha256()));
        }
        if (m.parts().size() != sources.size()) {
            throw new FwZipException(Problem.INVALID_ARGUMENT, "two parts have the same name");
        }
        byte[] manifestBytes = m.toJson();
        List<FwSignature> sigs = new ArrayList<>();
        for (Map.Entry<Integer, PrivateKey> e : signers.entrySet()) {
            sigs.add(new FwSignature(e.getKey(), FwKeys.sign(e.getValue(), manifestBytes)));
        }
        byte[] sigField = SignatureField.encode(sigs, signatureAttributes);
        String prefix = layout == FwBundle.Layout.ROOT ? "" : m.directoryName() + "/";
        String why = ZipFormat.entryNameProblem(prefix + FwBundle.MANIFEST_NAME);
        if (why != null || prefix.indexOf('/') != prefix.lastIndexOf('/')) {
            throw new FwZipException(
                    Problem.INVALID_ARGUMENT,
                    "directory name '"
                            + prefix
                            + "' made from name and version is not usable: "
                            + (why != null ? why : "contains a '/'"));
        }
        FwManifest finalManifest = m;
        atomicWrite(
                out,
                zw -> {
                    CRC32 crc = new CRC32();
                    crc.update(manifestBytes);
                    zw.addEntry(
                            prefix + FwBundle.MANIFEST_NAME,
                            0,
                            0,
                            ZipFormat.DOS_TIME_EPOCH,
                            ZipFormat.DOS_DATE_EPOCH,
                            crc.getValue(),
                            manifestBytes.length,
                            manifestBytes.length,
                            sigField,
                            sigField,
                            new ByteArrayInputStream(manifestBytes));
                    for (Map.Entry<String, PartSource> e : files.entrySet()) {
                        Hashed h = hashes.get(e.getKey());
                        try (InputStream in = openSource(e.getValue())) {
                            zw.addEntry(
                                    prefix + e.getKey(),
                                    0,
                                    0,
                                    ZipFormat.DOS_TIME_EPOCH,
                                    ZipFormat.DOS_DATE_EPOCH,
                                    h.crc(),
                                    h.size(),
                                    h.size(),
                                    new byte[0],
                                    new byte[0],
                                    in);
                        } catch (IOException x) {
                            throw asFw(x, e.getValue());
                        }
                    }
                });
        return new Result(out, finalManifest, manifestBytes, sigs);
    }

    private static InputStream openSource(PartSource s) throws IOException {
        return s.bytes() != null
                ? new ByteArrayInputStream(s.bytes())
                : Files.newInputStream(s.file());
    }

    private static FwZipException asFw(IOException e, PartSource s) {
        if (e instanceof FwZipException f) {
            return f;
        }
        return new FwZipException(
                Problem.IO,
                "cannot read part '"
                        + s.part().name()
                        + "' from "
                        + s.file()
                        + ": "
                        + e.getMessage(),
                e);
    }

    private static Hashed hash(PartSource s) throws FwZipException {
        MessageDigest sha1;
        MessageDigest sha256;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        CRC32 crc = new CRC32();
        long n = 0;
        try (InputStream in = openSource(s)) {
            byte[] buf = new byte[64 * 1024];
            int k;
            while ((k = in.read(buf)) >= 0) {
                sha1.update(buf, 0, k);
                sha256.update(buf, 0, k);
                crc.update(buf, 0, k);
                n += k;
                if (n >= ZipFormat.U32_MAX) {
                    throw new FwZipException(
                            Problem.LIMIT_EXCEEDED,
                            "part '"
                                    + s.part().name()
                                    + "' is 4 GiB or larger; fw.zip does not use ZIP64");
                }
            }
        } catch (IOException e) {
            throw asFw(e, s);
        }
        HexFormat hex = HexFormat.of();
        return new Hashed(
                n, crc.getValue(), hex.formatHex(sha1.digest()), hex.formatHex(sha256.digest()));
    }

    @FunctionalInterface
    private interface Body {
        void write(ZipWriter zw) throws FwZipException;
    }

    /** Writes to a temporary file beside {@code target}, syncs it, then renames it into place. */
    private static void atomicWrite(Path target, Body body) throws FwZipException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        } catch (IOException e) {
            throw new FwZipException(
                    Problem.IO,
                    "cannot create a temporary file in " + dir + ": " + e.getMessage(),
                    e);
        }
        boolean done = false;
        try {
            try (FileChannel ch =
                    FileChannel.open(
                            tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream os = new BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024);
                ZipWriter zw = new ZipWriter(os);
                body.write(zw);
                zw.finish();
                os.flush();
                ch.force(true);
            } catch (FwZipException e) {
                throw e;
            } catch (IOException e) {
                throw new FwZipException(
                        Problem.IO, "writing " + tmp + " failed: " + e.getMessage(), e);
            }
            try {
                Files.move(
                        tmp,
                        abs,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new FwZipException(
                        Problem.IO,
                        "cannot rename " + tmp + " to " + abs + ": " + e.getMessage(),
                        e);
            }
            done = true;
            syncDirectory(dir);
        } catch (IOException e) {
            throw e instanceof FwZipException f
                    ? f
                    : new FwZipException(
                            Problem.IO, "writing " + abs + " failed: " + e.getMessage(), e);
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // The original error matters more than a leftover temporary file.
                }
            }
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | RuntimeException ignored) {
            // Not every platform can sync a directory; the file itself is already on disk.
        }
    }

    /**
     * Adds a signature to an existing bundle, rewriting it atomically. The manifest bytes are left
     * untouched, so signatures already present stay valid; entry data is copied as stored. Refuses
     * to sign a bundle whose parts do not match the manifest.
     *
     * @param slot the slot to use, or empty for the lowest free slot
     * @return the signature added
     */
    public static FwSignature addSignature(Path bundle, PrivateKey key, OptionalInt slot)
            throws FwZipException {
        FwSignature added;
        try (FwBundle b = FwBundle.open(bundle)) {
            FwVerification v = b.verify(List.of(), false);
            for (FwVerification.PartResult p : v.parts()) {
                if (!p.ok()) {
                    throw new FwZipException(
                            Problem.CHECKSUM_MISMATCH,
                            p.entry(),
                            -1,
                            "refusing to sign: part '"
                                    + p.name()
                                    + "' does not match the manifest ("
                                    + p.error()
                                    + ")");
                }
            }
            Map<Integer, FwSignature> sigs = new TreeMap<>();
            for (FwSignature s : b.signatures()) {
                sigs.put(s.slot(), s);
            }
            int use;
            if (slot.isPresent()) {
                use = slot.getAsInt();
                if (use < 0 || use > FwSignature.MAX_SLOT) {
                    throw new FwZipException(
                            Problem.INVALID_ARGUMENT,
                            "signature slot must be 0.." + FwSignature.MAX_SLOT + ", not " + use);
                }
                if (sigs.containsKey(use)) {
                    throw new FwZipException(
                            Problem.INVALID_ARGUMENT,
                            "signature slot " + use + " (sig" + use + ") is already used");
                }
            } else {
                use = 0;
                while (sigs.containsKey(use)) {
                    use++;
                }
                if (use > FwSignature.MAX_SLOT) {
                    throw new FwZipException(
                            Problem.INVALID_ARGUMENT,
                            "all " + (FwSignature.MAX_SLOT + 1) + " signature slots are used");
                }
            }
            byte[] manifest = b.manifestBytes();
            added = new FwSignature(use, FwKeys.sign(key, manifest));
            sigs.put(use, added);
            byte[] field =
                    SignatureField.encode(new ArrayList<>(sigs.values()), b.signatureAttributes());
            ZipRecord mr = b.manifestRecord();
            byte[] localExtra = SignatureField.replace(mr.localExtra(), field, mr.name());
            byte[] centralExtra = SignatureField.replace(mr.centralExtra(), field, mr.name());
            ZipReader zip = b.zip();
            atomicWrite(
                    bundle,
                    zw -> {
                        for (ZipRecord r : zip.records()) {
                            FwEntry e = r.entry();
                            boolean isManifest = r == mr;
                            try (InputStream in = zip.openRaw(r)) {
                                zw.addEntry(
                                        e.name(),
                                        e.method().code(),
                                        r.flags(),
                                        r.dosTime(),
                                        r.dosDate(),
                                        e.crc32(),
                                        e.compressedSize(),
                                        e.size(),
                                        isManifest ? localExtra : r.localExtra(),
                                        isManifest ? centralExtra : r.centralExtra(),
                                        in);
                            } catch (IOException x) {
                                throw x instanceof FwZipException f
                                        ? f
                                        : new FwZipException(
                                                Problem.IO, e.name(), -1, x.getMessage(), x);
                            }
                        }
                    });
        }
        return added;
    }
}
