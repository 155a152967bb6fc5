package dev.meerkat.signing.sign;

import dev.meerkat.image.DigestSigner;
import dev.meerkat.image.EncryptionKey;
import dev.meerkat.image.ImageSigner;
import dev.meerkat.image.ImageVersion;
import dev.meerkat.image.SlotTrailer;
import dev.meerkat.image.VerificationKey;
import dev.meerkat.signing.audit.AuditLog;
import dev.meerkat.signing.audit.RefusalAudit;
import dev.meerkat.signing.keys.KeyRecord;
import dev.meerkat.signing.keys.KeyService;
import dev.meerkat.signing.refusal.Refusal;
import dev.meerkat.signing.security.Caller;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Whole-image signing: the uploaded firmware binary is spooled to a temporary file with bounded
 * memory, signed into a second temporary file as imgtool's {@code sign} does (and encrypted for a
 * recipient key like its {@code -E}), and handed back for streaming. Production keys sign only
 * digests, through approvals.
 */
@ApplicationScoped
public class ImageSigning {
    static final String ACTION = "sign.image";

    /**
     * imgtool-style options; numbers may be decimal or 0x hex. {@code encryptKey} is base64 of a
     * public key PEM.
     */
    public record Options(
            String keyId,
            String version,
            String headerSize,
            boolean padHeader,
            String securityCounter,
            String slotSize,
            boolean pad,
            boolean confirm,
            int align,
            String publicKeyFormat,
            String encryptKey,
            int encryptKeyLen) {}

    /**
     * The signed image in a temporary file, with what the answer's headers report; close deletes
     * the files.
     */
    public record SignedImage(
            Path image, Path upload, long length, byte[] digest, String keyHash, int keyVersion)
            implements AutoCloseable {
        @Override
        public void close() throws IOException {
            Files.deleteIfExists(image);
            Files.deleteIfExists(upload);
        }
    }

    @Inject KeyService keys;

    @Inject SigningService signing;

    @Inject AuditLog audit;

    @Inject RefusalAudit refusals;

    @ConfigProperty(name = "meerkat.upload.max-bytes", defaultValue = "1073741824")
    long maxBytes;

    public SignedImage sign(Caller caller, Options o, InputStream body, Long contentLength) {
        return refusals.guard(
                caller,
                new RefusalAudit.Subject(ACTION, o.keyId(), null, null),
                () -> {
                    if (o.keyId() == null || o.keyId().isBlank())
                        throw Refusal.invalid("query parameter keyId is required");
                    KeyService.checkId(o.keyId());
                    if (o.version() == null) {
                        throw Refusal.invalid(
                                "query parameter version is required (major.minor.revision+build)");
                    }
                    Uploads.checkDeclared(contentLength, maxBytes, "image");
                    KeyRecord k = keys.cached(o.keyId());
                    KeyUsePolicy.requireMayUse(caller, k);
                    KeyService.requireSigning(k);
                    if (k.production()) {
                        throw Refusal.conflict(
                                "Approval required",
                                "production key '"
                                        + o.keyId()
                                        + "' signs digests only,"
                                        + " after approval: use 'meerkat sign --remote' (POST /api/v1/sign/digest)");
                    }
                    ImageSigner signer = signer(o, k);
                    Path in = null;
                    Path out = null;
                    try {
                        in = Files.createTempFile("meerkat-upload", ".bin");
                        long got = Uploads.spool(body, in, contentLength);
                        out = Files.createTempFile("meerkat-image", ".bin");
                        ImageSigner.Result result;
                        try (InputStream src =
                                        new BufferedInputStream(Files.newInputStream(in), 1 << 16);
                                OutputStream dst =
                                        new BufferedOutputStream(
                                                Files.newOutputStream(out), 1 << 16)) {
                            result = signer.sign(src, got, dst, n -> {});
                        } catch (IllegalArgumentException e) {
                            throw Refusal.unprocessable("Malformed image", e.getMessage());
                        }
                        audit.append(
                                new AuditLog.Event(
                                        caller,
                                        ACTION,
                                        k.id(),
                                        k.currentVersion(),
                                        "sha256:" + HexFormat.of().formatHex(result.digest()),
                                        "allowed",
                                        "signed",
                                        got
                                                + " bytes, version "
                                                + o.version()
                                                + (o.encryptKey() != null ? ", encrypted" : "")));
                        SignedImage signed =
                                new SignedImage(
                                        out,
                                        in,
                                        result.length(),
                                        result.digest(),
                                        k.current().keyHash(),
                                        k.currentVersion());
                        in = null;
                        out = null;
                        return signed;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } finally {
                        deleteQuietly(in);
                        deleteQuietly(out);
                    }
                });
    }

    private ImageSigner signer(Options o, KeyRecord k) {
        try {
            ImageSigner.Builder b = ImageSigner.builder();
            ImageVersion v = ImageVersion.parse(o.version());
            b.headerSize((int) number(o.headerSize())).padHeader(o.padHeader()).version(v);
            if (o.securityCounter() != null) {
                b.securityCounter(
                        o.securityCounter().equals("auto")
                                ? v.autoSecurityCounter()
                                : number(o.securityCounter()));
            }
            b.trailer(
                    new SlotTrailer(
                            o.align(),
                            Math.max(SlotTrailer.DEFAULT_MAX_ALIGN, o.align()),
                            SlotTrailer.DEFAULT_MAX_SECTORS,
                            false,
                            0xff));
            b.slotSize(number(o.slotSize()));
            if (o.confirm()) b.padding(ImageSigner.Padding.CONFIRM);
            else if (o.pad()) b.padding(ImageSigner.Padding.TEST);
            b.publicKeyFormat(
                    switch (o.publicKeyFormat()) {
                        case "hash" -> ImageSigner.PublicKeyFormat.HASH;
                        case "full" -> ImageSigner.PublicKeyFormat.FULL;
                        default ->
                                throw new IllegalArgumentException(
                                        "publicKeyFormat must be hash or full");
                    });
            b.signer(serviceSigner(k));
            if (o.encryptKey() != null) {
                // The recipient's public key (P-256, X25519 or RSA-2048 PEM), base64 in one header
                // line.
                String pem =
                        new String(
                                Base64.getDecoder().decode(o.encryptKey().strip()),
                                StandardCharsets.US_ASCII);
                b.encryptFor(EncryptionKey.fromPem(pem), o.encryptKeyLen());
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw Refusal.invalid(e.getMessage());
        }
    }

    private DigestSigner serviceSigner(KeyRecord k) {
        VerificationKey vk = VerificationKey.fromPem(k.current().publicPem());
        return new DigestSigner() {
            @Override
            public VerificationKey verificationKey() {
                return vk;
            }

            @Override
            public byte[] signDigest(byte[] digest) {
                return signing.signNow(k, digest);
            }
        };
    }

    private static void deleteQuietly(Path p) {
        if (p == null) return;
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a temporary file; the OS cleans its temp directory
        }
    }

    private static long number(String s) {
        String t = s.strip().toLowerCase();
        try {
            return t.startsWith("0x") ? Long.parseLong(t.substring(2), 16) : Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + s);
        }
    }
}
