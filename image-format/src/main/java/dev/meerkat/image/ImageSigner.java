package dev.meerkat.image;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.LongConsumer;

/**
 * Builds MCUboot images the way imgtool 2.4 does (same bytes for the same inputs), streaming the
 * payload once: header, payload (AES-CTR encrypted when asked), protected TLVs, then hash, key id,
 * signature and wrapped key, then optional slot padding. Memory use is independent of image size.
 * Immutable; create with {@link #builder()}.
 */
public final class ImageSigner {

    /** How the signing key is identified in the image (imgtool's {@code --public-key-format}). */
    public enum PublicKeyFormat {
        HASH,
        FULL
    }

    /** Slot padding: none, padded for a test boot, or padded and confirmed (image_ok set). */
    public enum Padding {
        NONE,
        TEST,
        CONFIRM
    }

    private final int headerSize;
    private final boolean padHeader;
    private final ImageVersion version;
    private final OptionalLong securityCounter;
    private final List<Dependency> dependencies;
    private final List<Tlv> customTlvs;
    private final List<Tlv> imgtoolTlvs;
    private final long loadAddress;
    private final int extraFlags;
    private final long slotSize;
    private final Padding padding;
    private final SlotTrailer trailer;
    private final DigestSigner signer;
    private final PublicKeyFormat keyFormat;
    private final EncryptionKey encryptionKey;
    private final int aesKeyBits;
    private final SecureRandom random;

    private ImageSigner(Builder b) {
        this.headerSize = b.headerSize;
        this.padHeader = b.padHeader;
        this.version = Objects.requireNonNull(b.version, "version is required");
        this.securityCounter = b.securityCounter;
        this.dependencies = List.copyOf(b.dependencies);
        this.customTlvs = List.copyOf(b.customTlvs);
        this.imgtoolTlvs = List.copyOf(b.imgtoolTlvs);
        this.loadAddress = b.loadAddress;
        this.extraFlags = b.flags;
        this.slotSize = b.slotSize;
        this.padding = b.padding;
        this.trailer = b.trailer;
        this.signer = b.signer;
        this.keyFormat = b.keyFormat;
        this.encryptionKey = b.encryptionKey;
        this.aesKeyBits = b.aesKeyBits;
        this.random = b.random;
        if (headerSize < ImageHeader.SIZE || headerSize > 0xFFFF) {
            throw new IllegalArgumentException("header size " + headerSize + " outside 32..65535");
        }
        if (padding != Padding.NONE && slotSize <= 0) {
            throw new IllegalArgumentException("padding the image needs the slot size (-S)");
        }
        if (protectedTlvSize() > 0xFFFF)
            throw new IllegalArgumentException("protected TLVs exceed 65535 bytes");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The outcome of signing: what was written and its identity. */
    public record Result(ImageHeader header, byte[] digest, byte[] signature, long length) {
        public Result {
            digest = digest.clone();
            signature = signature == null ? null : signature.clone();
        }
    }

    /** imgtool's order: SEC_CNT, BOOT_RECORD, DEPENDENCY..., UUID_VID, UUID_CID, custom TLVs. */
    private List<Tlv> protectedTlvs() {
        List<Tlv> tlvs = new ArrayList<>();
        if (securityCounter.isPresent()) {
            tlvs.add(
                    new Tlv(
                            TlvType.SEC_CNT,
                            ByteBuffer.allocate(4)
                                    .order(ByteOrder.LITTLE_ENDIAN)
                                    .putInt((int) securityCounter.getAsLong())
                                    .array()));
        }
        for (Tlv t : imgtoolTlvs) if (t.type() == TlvType.BOOT_RECORD) tlvs.add(t);
        for (Dependency d : dependencies) tlvs.add(new Tlv(TlvType.DEPENDENCY, d.encode()));
        for (Tlv t : imgtoolTlvs) if (t.type() != TlvType.BOOT_RECORD) tlvs.add(t);
        tlvs.addAll(customTlvs);
        return tlvs;
    }

    private int protectedTlvSize() {
        List<Tlv> tlvs = protectedTlvs();
        return tlvs.isEmpty() ? 0 : TlvArea.encodedSize(tlvs);
    }

    private byte[] protectedTlvArea() {
        List<Tlv> tlvs = protectedTlvs();
        return tlvs.isEmpty() ? new byte[0] : TlvArea.encode(TlvType.PROTECTED_INFO_MAGIC, tlvs);
    }

    private ImageHeader header(long imageSize) {
        int flags = extraFlags;
        if (encryptionKey != null) {
            flags |=
                    aesKeyBits == 256
                            ? ImageHeader.FLAG_ENCRYPTED_AES256
                            : ImageHeader.FLAG_ENCRYPTED_AES128;
        }
        return new ImageHeader(
                loadAddress, headerSize, protectedTlvSize(), imageSize, flags, version);
    }

    /** Payload bytes of the image for a payload of {@code inputLength} bytes. */
    private long imageSize(long inputLength) {
        long size = padHeader ? inputLength : inputLength - headerSize;
        if (size < 0) {
            throw new IllegalArgumentException(
                    "input of "
                            + inputLength
                            + " bytes is shorter than the "
                            + headerSize
                            + "-byte header; use --pad-header");
        }
        if (size > 0xFFFF_FFFFL) throw new IllegalArgumentException("payload exceeds 4 GiB");
        return size;
    }

    /**
     * Signs {@code inputLength} bytes from {@code in} and writes the complete image to {@code out}.
     *
     * @param progress receives the number of input bytes processed
     */
    public Result sign(InputStream in, long inputLength, OutputStream out, LongConsumer progress)
            throws IOException {
        long imageSize = imageSize(inputLength);
        ImageHeader header = header(imageSize);
        byte[] imageKey = null;
        AesCtr ctr = null;
        if (encryptionKey != null) {
            imageKey = new byte[aesKeyBits / 8];
            random.nextBytes(imageKey);
            ctr = new AesCtr(imageKey);
        }
        MessageDigest md = Crypto.sha256();
        byte[] headerBytes = headerBlock(header, in);
        md.update(headerBytes);
        out.write(headerBytes);
        long consumed = padHeader ? 0 : headerSize;
        long remaining = imageSize;
        // Hashing of one chunk overlaps the encryption and write of the previous one.
        // Encryption happens on the writer thread, after this thread hashed the plaintext.
        try (PipelinedWriter writer =
                new PipelinedWriter(
                        out, 3, ImageVerifier.CHUNK, ctr == null ? null : ctr::update)) {
            while (remaining > 0) {
                byte[] buf = writer.buffer();
                int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, remaining));
                if (n <= 0) throw new EOFException("input ended " + remaining + " bytes early");
                md.update(buf, 0, n);
                writer.write(buf, n);
                remaining -= n;
                consumed += n;
                progress.accept(consumed);
            }
        }
        return finish(header, md, imageKey, out);
    }

    /** Protected TLVs, hash, signature, wrapped key and slot padding after the payload. */
    private Result finish(ImageHeader header, MessageDigest md, byte[] imageKey, OutputStream out)
            throws IOException {
        long imageSize = header.imageSize();
        byte[] prot = protectedTlvArea();
        md.update(prot);
        out.write(prot);
        byte[] digest = md.digest();

        List<Tlv> tlvs = new ArrayList<>();
        tlvs.add(new Tlv(TlvType.SHA256, digest));
        byte[] signature = null;
        if (signer != null) {
            VerificationKey pub = signer.verificationKey();
            tlvs.add(
                    keyFormat == PublicKeyFormat.HASH
                            ? new Tlv(TlvType.KEYHASH, pub.keyHash())
                            : new Tlv(TlvType.PUBKEY, pub.publicBytes()));
            signature = signer.signDigest(digest);
            tlvs.add(new Tlv(pub.type().signatureTlv(), signature));
        }
        if (encryptionKey != null) tlvs.add(encryptionKey.wrap(imageKey, random));
        byte[] area = tlvArea(tlvs);
        out.write(area);
        long length = headerSize + imageSize + prot.length + area.length;
        if (slotSize > 0) {
            int tsize = trailer.size(encryptionKey != null);
            if (length + tsize > slotSize) {
                throw new IllegalArgumentException(
                        "image size ("
                                + length
                                + ") + trailer ("
                                + tsize
                                + ") exceeds the slot size "
                                + slotSize);
            }
            if (padding != Padding.NONE) {
                writeErased(out, slotSize - length - tsize);
                out.write(trailer.bytes(encryptionKey != null, padding == Padding.CONFIRM));
                length = slotSize;
            }
        }
        return new Result(header, digest, signature, length);
    }

    /**
     * Signs a payload file into an image file. Without encryption the payload is copied by the
     * kernel (no user-space copy) on a second thread while this thread hashes it; with encryption
     * it falls back to the streaming path. {@code out} must be positioned where the image starts.
     */
    public Result sign(FileChannel in, FileChannel out, LongConsumer progress) throws IOException {
        return sign(in, out, progress, copied -> {});
    }

    /** Runs on the copying thread once the payload's body is in the output file. */
    @FunctionalInterface
    public interface BodyCopied {
        void run(FileChannel out) throws IOException;
    }

    /**
     * As {@link #sign(FileChannel, FileChannel, LongConsumer)}; {@code bodyCopied} runs on the
     * copying thread as soon as the body is in {@code out}, while this thread may still be hashing.
     * A caller that syncs the file at the end can start the body's write-back there, which takes
     * most of the sync's wait off the critical path (not called on the encrypted path).
     */
    public Result sign(
            FileChannel in, FileChannel out, LongConsumer progress, BodyCopied bodyCopied)
            throws IOException {
        long inputLength = in.size();
        if (encryptionKey != null) {
            return sign(
                    new java.io.BufferedInputStream(
                            Channels.newInputStream(in.position(0)), ImageVerifier.CHUNK),
                    inputLength,
                    new UnclosedOutput(Channels.newOutputStream(out)),
                    progress);
        }
        long imageSize = imageSize(inputLength);
        ImageHeader header = header(imageSize);
        long bodyStart = padHeader ? 0 : headerSize;
        byte[] headerBytes = headerBlock(header, Channels.newInputStream(in.position(0)));
        MessageDigest md = Crypto.sha256();
        md.update(headerBytes);
        writeFully(out, headerBytes);
        long outBody = out.position();
        IOException[] copyFailure = new IOException[1];
        Thread copier =
                new Thread(
                        () -> {
                            try {
                                long done = 0;
                                while (done < imageSize) {
                                    long n =
                                            in.transferTo(
                                                    bodyStart + done,
                                                    imageSize - done,
                                                    out.position(outBody + done));
                                    if (n <= 0)
                                        throw new EOFException(
                                                "payload ended "
                                                        + (imageSize - done)
                                                        + " bytes early");
                                    done += n;
                                }
                                bodyCopied.run(out);
                            } catch (IOException e) {
                                copyFailure[0] = e;
                            }
                        },
                        "meerkat-image-copy");
        copier.start();
        byte[] buf = new byte[ImageVerifier.CHUNK];
        long pos = 0;
        try {
            while (pos < imageSize) {
                int n = (int) Math.min(buf.length, imageSize - pos);
                java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) {
                    if (in.read(bb, bodyStart + pos + bb.position()) < 0) {
                        throw new EOFException(
                                "payload ended " + (imageSize - pos) + " bytes early");
                    }
                }
                md.update(buf, 0, n);
                pos += n;
                progress.accept(bodyStart + pos);
            }
        } finally {
            try {
                copier.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while copying the payload");
            }
        }
        if (copyFailure[0] != null) throw copyFailure[0];
        out.position(outBody + imageSize);
        return finish(header, md, null, new UnclosedOutput(Channels.newOutputStream(out)));
    }

    private static void writeFully(FileChannel out, byte[] bytes) throws IOException {
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(bytes);
        while (bb.hasRemaining()) out.write(bb);
    }

    /** Keeps a caller's channel open when the stream around it is done with. */
    private static final class UnclosedOutput extends java.io.FilterOutputStream {
        UnclosedOutput(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    /**
     * The SHA-256 digest a remote signer must sign for this payload (imgtool's {@code
     * --vector-to-sign digest}).
     */
    public byte[] digest(InputStream in, long inputLength) throws IOException {
        MessageDigest md = Crypto.sha256();
        writeSignedRegion(
                in,
                inputLength,
                new OutputStream() {
                    @Override
                    public void write(int b) {
                        md.update((byte) b);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) {
                        md.update(b, off, len);
                    }
                });
        return md.digest();
    }

    /** Writes the region the signature covers (imgtool's {@code --vector-to-sign payload}). */
    public void writeSignedRegion(InputStream in, long inputLength, OutputStream out)
            throws IOException {
        long imageSize = imageSize(inputLength);
        out.write(headerBlock(header(imageSize), in));
        byte[] buf = new byte[ImageVerifier.CHUNK];
        long remaining = imageSize;
        while (remaining > 0) {
            int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, remaining));
            if (n <= 0) throw new EOFException("input ended " + remaining + " bytes early");
            out.write(buf, 0, n);
            remaining -= n;
        }
        out.write(protectedTlvArea());
    }

    /**
     * Header plus padding; without --pad-header the input's own header space is consumed and must
     * be zero.
     */
    private byte[] headerBlock(ImageHeader header, InputStream in) throws IOException {
        if (!padHeader) {
            byte[] existing = in.readNBytes(headerSize);
            if (existing.length != headerSize)
                throw new EOFException("input shorter than the header size");
            for (int i = 0; i < existing.length; i++) {
                if (existing[i] != 0) {
                    throw new IllegalArgumentException(
                            "input byte "
                                    + i
                                    + " is not zero: the first "
                                    + headerSize
                                    + " bytes must be free for the header, or use --pad-header");
                }
            }
        }
        byte[] block = new byte[headerSize];
        // imgtool fills added header space with the erased value; an input's own header space stays
        // zero.
        if (padHeader) java.util.Arrays.fill(block, (byte) trailer.erasedValue());
        System.arraycopy(header.encode(), 0, block, 0, ImageHeader.SIZE);
        return block;
    }

    private static byte[] tlvArea(List<Tlv> tlvs) {
        return TlvArea.encode(TlvType.INFO_MAGIC, tlvs);
    }

    private void writeErased(OutputStream out, long count) throws IOException {
        byte[] fill = new byte[(int) Math.min(64 * 1024, Math.max(count, 1))];
        java.util.Arrays.fill(fill, (byte) trailer.erasedValue());
        while (count > 0) {
            int n = (int) Math.min(fill.length, count);
            out.write(fill, 0, n);
            count -= n;
        }
    }

    /** Options with imgtool's defaults; see {@code meerkat sign --help} for their meaning. */
    public static final class Builder {
        private int headerSize = -1;
        private boolean padHeader;
        private ImageVersion version;
        private OptionalLong securityCounter = OptionalLong.empty();
        private final List<Dependency> dependencies = new ArrayList<>();
        private final List<Tlv> customTlvs = new ArrayList<>();
        private final List<Tlv> imgtoolTlvs = new ArrayList<>();
        private long loadAddress;
        private int flags;
        private long slotSize;
        private Padding padding = Padding.NONE;
        private SlotTrailer trailer = SlotTrailer.forAlign(1);
        private DigestSigner signer;
        private PublicKeyFormat keyFormat = PublicKeyFormat.HASH;
        private EncryptionKey encryptionKey;
        private int aesKeyBits = 128;
        private SecureRandom random = new SecureRandom();

        private Builder() {}

        public Builder headerSize(int size) {
            this.headerSize = size;
            return this;
        }

        /** Prepends {@code headerSize} zero bytes to the input instead of overwriting its start. */
        public Builder padHeader(boolean pad) {
            this.padHeader = pad;
            return this;
        }

        public Builder version(ImageVersion v) {
            this.version = v;
            return this;
        }

        public Builder securityCounter(long counter) {
            if (counter < 0 || counter > 0xFFFF_FFFFL)
                throw new IllegalArgumentException("security counter outside u32");
            this.securityCounter = OptionalLong.of(counter);
            return this;
        }

        public Builder dependencies(List<Dependency> deps) {
            this.dependencies.addAll(deps);
            return this;
        }

        /** An extra protected TLV (imgtool's {@code --custom-tlv}); types 0xa0..0xfffe. */
        public Builder customTlv(Tlv tlv) {
            if (tlv.type() < 0xa0 || tlv.type() > 0xfffe) {
                throw new IllegalArgumentException(
                        "custom TLV type 0x"
                                + Integer.toHexString(tlv.type())
                                + " outside 0xa0..0xfffe");
            }
            this.customTlvs.add(tlv);
            return this;
        }

        /**
         * A protected TLV that imgtool options add: BOOT_RECORD (0x60, {@code --boot-record}),
         * UUID_VID (0x74, {@code --vid}) or UUID_CID (0x75, {@code --cid}); placed where imgtool
         * places it.
         */
        public Builder imgtoolProtectedTlv(Tlv tlv) {
            if (tlv.type() != TlvType.BOOT_RECORD && tlv.type() != 0x74 && tlv.type() != 0x75) {
                throw new IllegalArgumentException(
                        "TLV type 0x"
                                + Integer.toHexString(tlv.type())
                                + " is not BOOT_RECORD, UUID_VID or UUID_CID");
            }
            this.imgtoolTlvs.add(tlv);
            return this;
        }

        /** RAM-load address: sets the RAM_LOAD flag. */
        public Builder loadAddress(long address) {
            this.loadAddress = address;
            this.flags |= ImageHeader.FLAG_RAM_LOAD;
            return this;
        }

        /** Execute-in-place at a fixed ROM address: sets ROM_FIXED. */
        public Builder romFixed(long address) {
            this.loadAddress = address;
            this.flags |= ImageHeader.FLAG_ROM_FIXED;
            return this;
        }

        public Builder nonBootable(boolean nonBootable) {
            this.flags =
                    nonBootable
                            ? flags | ImageHeader.FLAG_NON_BOOTABLE
                            : flags & ~ImageHeader.FLAG_NON_BOOTABLE;
            return this;
        }

        public Builder slotSize(long size) {
            this.slotSize = size;
            return this;
        }

        public Builder padding(Padding p) {
            this.padding = p;
            return this;
        }

        public Builder trailer(SlotTrailer t) {
            this.trailer = t;
            return this;
        }

        public Builder signer(DigestSigner s) {
            this.signer = s;
            return this;
        }

        public Builder publicKeyFormat(PublicKeyFormat f) {
            this.keyFormat = f;
            return this;
        }

        /**
         * Encrypts the payload with a fresh AES key of {@code bits} (128 or 256) wrapped for {@code
         * key}.
         */
        public Builder encryptFor(EncryptionKey key, int bits) {
            if (bits != 128 && bits != 256)
                throw new IllegalArgumentException("AES key length must be 128 or 256");
            this.encryptionKey = key;
            this.aesKeyBits = bits;
            return this;
        }

        public Builder random(SecureRandom r) {
            this.random = r;
            return this;
        }

        public ImageSigner build() {
            if (headerSize < 0) throw new IllegalArgumentException("header size (-H) is required");
            return new ImageSigner(this);
        }
    }
}
