package dev.meerkat.signing.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.HexFormat;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.meerkat.image.DigestSigner;
import dev.meerkat.image.ImageSigner;
import dev.meerkat.image.ImageVersion;
import dev.meerkat.image.SlotTrailer;
import dev.meerkat.image.VerificationKey;
import dev.meerkat.signing.audit.AuditLog;
import dev.meerkat.signing.keys.KeyRecord;
import dev.meerkat.signing.keys.KeyService;
import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.security.Roles;
import dev.meerkat.signing.signing.SigningService;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * Whole-image signing: the firmware binary is uploaded (application/octet-stream, Content-Length
 * required), spooled to a temporary file with bounded memory, signed into a second temporary file
 * and streamed back as an MCUboot image. Options follow imgtool's {@code sign}; with an
 * {@code X-Encrypt-Key} header (base64 of the recipient's public key PEM) the payload is encrypted
 * as imgtool's {@code -E} does. Nothing is kept:
 * both files are deleted when the answer has been sent or the request failed. Production keys sign
 * only digests, through approvals.
 */
@Path("/api/v1/sign/image")
public class ImageResource {

    @Inject
    KeyService keys;

    @Inject
    SigningService signing;

    @Inject
    AuditLog audit;

    @Inject
    SecurityIdentity identity;

    @ConfigProperty(name = "meerkat.upload.max-bytes", defaultValue = "1073741824")
    long maxBytes;

    @POST
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @RolesAllowed({Roles.RELEASE_ENGINEER, Roles.CI_PIPELINE})
    public Response sign(InputStream body, @HeaderParam("Content-Length") Long contentLength,
                         @QueryParam("keyId") String keyId, @QueryParam("version") String version,
                         @QueryParam("headerSize") @DefaultValue("0x200") String headerSize,
                         @QueryParam("padHeader") @DefaultValue("false") boolean padHeader,
                         @QueryParam("securityCounter") String securityCounter,
                         @QueryParam("slotSize") @DefaultValue("0") String slotSize,
                         @QueryParam("pad") @DefaultValue("false") boolean pad,
                         @QueryParam("confirm") @DefaultValue("false") boolean confirm,
                         @QueryParam("align") @DefaultValue("1") int align,
                         @QueryParam("publicKeyFormat") @DefaultValue("hash") String publicKeyFormat,
                         @HeaderParam("X-Encrypt-Key") String encryptKey,
                         @QueryParam("encryptKeyLen") @DefaultValue("128") int encryptKeyLen) throws IOException {
        Caller caller = Caller.of(identity);
        java.nio.file.Path in = null;
        java.nio.file.Path out = null;
        try {
            if (keyId == null || keyId.isBlank()) throw ProblemException.badRequest("query parameter keyId is required");
            if (version == null) throw ProblemException.badRequest("query parameter version is required (major.minor.revision+build)");
            if (contentLength == null) {
                throw new ProblemException(411, "Length required", "send the image with a Content-Length header");
            }
            if (contentLength > maxBytes) {
                throw new ProblemException(413, "Upload too large", "images are limited to " + maxBytes + " bytes, got "
                        + contentLength);
            }
            KeyRecord k = keys.cached(keyId);
            SigningService.requireMayUse(identity, k);
            KeyService.requireSigning(k);
            if (k.production()) {
                throw ProblemException.conflict("Approval required", "production key '" + keyId + "' signs digests only,"
                        + " after approval: use 'meerkat sign --remote' (POST /api/v1/sign/digest)");
            }
            ImageSigner.Builder b = ImageSigner.builder();
            try {
                ImageVersion v = ImageVersion.parse(version);
                b.headerSize((int) number(headerSize)).padHeader(padHeader).version(v);
                if (securityCounter != null) {
                    b.securityCounter(securityCounter.equals("auto") ? v.autoSecurityCounter() : number(securityCounter));
                }
                b.trailer(new SlotTrailer(align, Math.max(SlotTrailer.DEFAULT_MAX_ALIGN, align),
                        SlotTrailer.DEFAULT_MAX_SECTORS, false, 0xff));
                b.slotSize(number(slotSize));
                if (confirm) b.padding(ImageSigner.Padding.CONFIRM);
                else if (pad) b.padding(ImageSigner.Padding.TEST);
                b.publicKeyFormat(switch (publicKeyFormat) {
                    case "hash" -> ImageSigner.PublicKeyFormat.HASH;
                    case "full" -> ImageSigner.PublicKeyFormat.FULL;
                    default -> throw new IllegalArgumentException("publicKeyFormat must be hash or full");
                });
                b.signer(serviceSigner(k));
                if (encryptKey != null) {
                    // The recipient's public key (P-256, X25519 or RSA-2048 PEM), base64 in one header line.
                    String pem = new String(java.util.Base64.getDecoder().decode(encryptKey.strip()),
                            java.nio.charset.StandardCharsets.US_ASCII);
                    b.encryptFor(dev.meerkat.image.EncryptionKey.fromPem(pem), encryptKeyLen);
                }
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest(e.getMessage());
            }
            ImageSigner signer;
            try {
                signer = b.build();
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest(e.getMessage());
            }
            in = Files.createTempFile("meerkat-upload", ".bin");
            long got = spool(body, in, contentLength);
            if (got != contentLength) {
                throw ProblemException.badRequest("the upload ended after " + got + " of " + contentLength + " bytes");
            }
            out = Files.createTempFile("meerkat-image", ".bin");
            ImageSigner.Result result;
            try (InputStream src = new java.io.BufferedInputStream(Files.newInputStream(in), 1 << 16);
                 OutputStream dst = new java.io.BufferedOutputStream(Files.newOutputStream(out), 1 << 16)) {
                result = signer.sign(src, got, dst, n -> { });
            } catch (IllegalArgumentException e) {
                throw new ProblemException(422, "Malformed image", e.getMessage());
            }
            audit.append(new AuditLog.Event(caller, "sign.image", k.id(), k.currentVersion(),
                    "sha256:" + HexFormat.of().formatHex(result.digest()), "allowed", "signed",
                    got + " bytes, version " + version + (encryptKey != null ? ", encrypted" : "")));
            java.nio.file.Path image = out;
            java.nio.file.Path upload = in;
            in = null;
            out = null;
            StreamingOutput stream = o -> {
                try {
                    Files.copy(image, o);
                } finally {
                    Files.deleteIfExists(image);
                    Files.deleteIfExists(upload);
                }
            };
            return Response.ok(stream, MediaType.APPLICATION_OCTET_STREAM)
                    .header("Content-Length", result.length())
                    .header("X-Image-Digest", HexFormat.of().formatHex(result.digest()))
                    .header("X-Key-Hash", k.current().keyHash())
                    .header("X-Key-Version", k.currentVersion()).build();
        } catch (ProblemException e) {
            audit.append(new AuditLog.Event(caller, "sign.image", keyId, null, null,
                    e.status() == 403 ? "denied" : "refused", String.valueOf(e.status()), e.title() + ": " + e.getMessage()));
            throw e;
        } finally {
            if (in != null) Files.deleteIfExists(in);
            if (out != null) Files.deleteIfExists(out);
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

    private long spool(InputStream body, java.nio.file.Path file, long limit) throws IOException {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        try (OutputStream o = Files.newOutputStream(file)) {
            int n;
            while ((n = body.read(buf)) > 0) {
                total += n;
                if (total > limit) throw ProblemException.badRequest("the upload is longer than its Content-Length");
                o.write(buf, 0, n);
            }
        }
        return total;
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
