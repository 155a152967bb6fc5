package dev.meerkat.image;

import dev.meerkat.image.ImageFormatException.Problem;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Checks an image the way MCUboot's bootutil does before booting it: structure, the SHA-256 over
 * header + body + protected TLVs, and a signature by one of the trusted keys (selected by KEYHASH).
 * Reads the image once, in fixed-size chunks; memory use does not depend on the image size.
 * Immutable; configure with the {@code with...} methods.
 */
public final class ImageVerifier {

    /** TLV types MCUboot accepts outside the protected area; anything else there is rejected. */
    private static final Set<Integer> ALLOWED_UNPROTECTED =
            Set.of(
                    TlvType.KEYHASH,
                    TlvType.PUBKEY,
                    TlvType.SHA256,
                    TlvType.SHA384,
                    TlvType.SHA512,
                    TlvType.RSA2048_PSS,
                    TlvType.ECDSA_SIG,
                    TlvType.RSA3072_PSS,
                    TlvType.ED25519,
                    TlvType.SIG_PURE,
                    TlvType.ENC_RSA2048,
                    TlvType.ENC_KW,
                    TlvType.ENC_EC256,
                    TlvType.ENC_X25519,
                    0x34 /* ENC_X25519_SHA512 */,
                    0x70,
                    0x71,
                    0x72 /* decompression TLVs */);

    static final int CHUNK = 1 << 20;

    private final List<VerificationKey> keys;
    private final DecryptionKey decryptionKey;
    private final boolean plaintextBody;
    private final long maxSize;
    private final LongConsumer progress;

    private ImageVerifier(
            List<VerificationKey> keys,
            DecryptionKey decryptionKey,
            boolean plaintextBody,
            long maxSize,
            LongConsumer progress) {
        this.keys = List.copyOf(keys);
        this.decryptionKey = decryptionKey;
        this.plaintextBody = plaintextBody;
        this.maxSize = maxSize;
        this.progress = progress;
    }

    /** A verifier that requires a valid signature by one of {@code trusted}. */
    public static ImageVerifier trusting(List<VerificationKey> trusted) {
        if (trusted.isEmpty())
            throw new IllegalArgumentException("at least one trusted key is required");
        return new ImageVerifier(trusted, null, false, -1, n -> {});
    }

    public static ImageVerifier trusting(VerificationKey... trusted) {
        return trusting(List.of(trusted));
    }

    /** A verifier that checks structure and hash only: for unsigned images and for inspection. */
    public static ImageVerifier hashOnly() {
        return new ImageVerifier(List.of(), null, false, -1, n -> {});
    }

    /** Decrypts an encrypted payload while hashing, so the plaintext hash can be checked. */
    public ImageVerifier withDecryptionKey(DecryptionKey key) {
        return new ImageVerifier(
                keys, Objects.requireNonNull(key), plaintextBody, maxSize, progress);
    }

    /**
     * Treats the payload as already decrypted even when the header says encrypted: the state of an
     * image in a slot after the updater decrypted it.
     */
    public ImageVerifier withPlaintextBody() {
        return new ImageVerifier(keys, decryptionKey, true, maxSize, progress);
    }

    /** Rejects images whose header and TLVs need more than {@code bytes} (e.g. a slot's size). */
    public ImageVerifier withMaxSize(long bytes) {
        return new ImageVerifier(keys, decryptionKey, plaintextBody, bytes, progress);
    }

    /** Called with the number of bytes hashed so far, for progress bars. */
    public ImageVerifier withProgress(LongConsumer listener) {
        return new ImageVerifier(
                keys, decryptionKey, plaintextBody, maxSize, Objects.requireNonNull(listener));
    }

    public VerifiedImage verify(ImageSource src) throws ImageFormatException {
        ParsedImage img = ParsedImage.parse(src);
        return verify(src, img);
    }

    public VerifiedImage verify(ImageSource src, ParsedImage img) throws ImageFormatException {
        ImageHeader h = img.header();
        if (maxSize >= 0 && img.end() > maxSize) {
            throw new ImageFormatException(
                    Problem.TOO_LARGE,
                    12,
                    "image needs " + img.end() + " bytes, more than the " + maxSize + " available");
        }
        OptionalLong secCnt = img.securityCounter();
        List<Dependency> deps = img.dependencies();
        TlvEntry hashTlv = null;
        for (TlvEntry e : img.tlvs()) {
            if (!ALLOWED_UNPROTECTED.contains(e.type())) {
                throw new ImageFormatException(
                        Problem.BAD_TLV,
                        e.offset(),
                        "TLV "
                                + e.tlv().name()
                                + " (0x"
                                + Integer.toHexString(e.type())
                                + ") is not allowed outside the protected area");
            }
            if (e.type() == TlvType.SHA256) {
                if (hashTlv != null) {
                    throw new ImageFormatException(
                            Problem.BAD_TLV, e.offset(), "second SHA256 TLV");
                }
                if (e.tlv().length() != 32) {
                    throw new ImageFormatException(
                            Problem.BAD_TLV,
                            e.offset(),
                            "SHA256 TLV is " + e.tlv().length() + " bytes, expected 32");
                }
                hashTlv = e;
            }
        }
        if (hashTlv == null) {
            boolean other =
                    img.tlvs().stream()
                            .anyMatch(
                                    e -> e.type() == TlvType.SHA384 || e.type() == TlvType.SHA512);
            throw new ImageFormatException(
                    other ? Problem.UNSUPPORTED : Problem.MISSING_HASH,
                    img.end() - 1,
                    other
                            ? "only SHA-384/512 image hashes are present; Meerkat verifies SHA-256 images"
                            : "no SHA256 TLV: the image has no hash");
        }
        byte[] statedHash = hashTlv.tlv().value();

        boolean encrypted = h.isEncrypted();
        AesCtr ctr = null;
        if (encrypted && !plaintextBody) {
            if (decryptionKey == null) {
                String sig =
                        keys.isEmpty()
                                ? ""
                                : checkSignature(img, statedHash).isPresent()
                                        ? " (its signature over the stated hash is valid)"
                                        : "";
                throw new ImageFormatException(
                        Problem.ENCRYPTED,
                        16,
                        "payload is encrypted (flags 0x"
                                + Integer.toHexString(h.flags())
                                + "): give the decryption key to check its hash"
                                + sig);
            }
            ctr = new AesCtr(imageKey(img, decryptionKey));
        }
        byte[] actual = hash(src, h, ctr);
        if (!MessageDigest.isEqual(actual, statedHash)) {
            throw new ImageFormatException(
                    Problem.HASH_MISMATCH,
                    hashTlv.offset(),
                    "SHA-256 of the image "
                            + (ctr != null ? "(decrypted) " : "")
                            + "does not match its SHA256 TLV: the image was altered"
                            + (ctr != null ? " or decrypted with the wrong key" : ""));
        }
        Optional<VerificationKey> signer = Optional.empty();
        if (!keys.isEmpty()) {
            signer = checkSignature(img, actual);
            if (signer.isEmpty()) throw signatureFailure(img);
        }
        return new VerifiedImage(h, actual, signer, secCnt, deps, encrypted, img.end());
    }

    /** Recovers the AES key of an encrypted image from its ENC_* TLV. */
    static byte[] imageKey(ParsedImage img, DecryptionKey key) throws ImageFormatException {
        TlvEntry enc =
                img.tlvs().stream()
                        .filter(e -> TlvType.isEncryptionKey(e.type()))
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new ImageFormatException(
                                                Problem.BAD_ENCRYPTION,
                                                16,
                                                "header says encrypted but there is no ENC_* key TLV"));
        return key.unwrap(enc.tlv(), img.header().aesKeyLength(), enc.offset());
    }

    /**
     * Images at least this large are hashed on a second thread while the next chunk is read (and
     * decrypted).
     */
    private static final long PIPELINE_THRESHOLD = 8L << 20;

    private byte[] hash(ImageSource src, ImageHeader h, AesCtr ctr) throws ImageFormatException {
        MessageDigest md = Crypto.sha256();
        long total = h.hashedLength();
        long bodyStart = h.headerSize();
        long bodyEnd = bodyStart + h.imageSize();
        int chunk = (int) Math.min(CHUNK, Math.max(total, 1));
        OutputStream hashing =
                new OutputStream() {
                    @Override
                    public void write(int b) {
                        md.update((byte) b);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) {
                        md.update(b, off, len);
                    }
                };
        long pos = 0;
        try (PipelinedWriter hasher =
                total >= PIPELINE_THRESHOLD ? new PipelinedWriter(hashing, 3, chunk) : null) {
            byte[] single = hasher == null ? new byte[chunk] : null;
            while (pos < total) {
                byte[] buf = hasher == null ? single : hasher.buffer();
                // Chunks never straddle the body boundaries, so decryption applies to body bytes
                // only.
                long limit = pos < bodyStart ? bodyStart : pos < bodyEnd ? bodyEnd : total;
                int n = (int) Math.min(buf.length, limit - pos);
                src.read(pos, buf, 0, n);
                if (ctr != null && pos >= bodyStart && pos < bodyEnd) ctr.update(buf, 0, n);
                if (hasher == null) md.update(buf, 0, n);
                else hasher.write(buf, n);
                pos += n;
                progress.accept(pos);
            }
        } catch (IOException e) {
            throw new ImageFormatException(
                    Problem.IO, pos, "cannot read image: " + e.getMessage(), e);
        }
        return md.digest();
    }

    private Optional<VerificationKey> checkSignature(ParsedImage img, byte[] digest) {
        List<VerificationKey> candidates = keys;
        for (TlvEntry e : img.tlvs()) {
            if (e.type() == TlvType.KEYHASH || e.type() == TlvType.PUBKEY) {
                candidates = keys.stream().filter(k -> k.matches(e.tlv())).toList();
            } else if (TlvType.isSignature(e.type())) {
                for (VerificationKey k : candidates) {
                    if (k.verifyDigest(e.type(), digest, e.tlv().value())) return Optional.of(k);
                }
            }
        }
        return Optional.empty();
    }

    private ImageFormatException signatureFailure(ParsedImage img) {
        TlvEntry sig =
                img.tlvs().stream()
                        .filter(e -> TlvType.isSignature(e.type()))
                        .findFirst()
                        .orElse(null);
        if (sig == null) {
            return new ImageFormatException(
                    Problem.MISSING_SIGNATURE, img.end() - 1, "image is not signed");
        }
        Optional<TlvEntry> keyTlv =
                img.tlvs().stream()
                        .filter(e -> e.type() == TlvType.KEYHASH || e.type() == TlvType.PUBKEY)
                        .findFirst();
        if (keyTlv.isPresent() && keys.stream().noneMatch(k -> k.matches(keyTlv.get().tlv()))) {
            byte[] kh =
                    keyTlv.get().type() == TlvType.KEYHASH
                            ? keyTlv.get().tlv().value()
                            : Crypto.sha256(keyTlv.get().tlv().value());
            return new ImageFormatException(
                    Problem.UNKNOWN_KEY,
                    keyTlv.get().offset(),
                    "signed by key "
                            + java.util.HexFormat.of().formatHex(kh)
                            + ", which is not among the "
                            + keys.size()
                            + " trusted key(s)");
        }
        return new ImageFormatException(
                Problem.BAD_SIGNATURE,
                sig.offset(),
                sig.tlv().name() + " signature does not verify with the trusted key(s)");
    }
}
