package dev.meerkat.signing.api;

import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.security.Roles;
import dev.meerkat.signing.sign.ImageSigning;
import io.quarkus.security.identity.SecurityIdentity;
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
import java.io.InputStream;
import java.nio.file.Files;
import java.util.HexFormat;

/**
 * Whole-image signing: the firmware binary is uploaded (application/octet-stream, Content-Length
 * required) and streamed back as an MCUboot image. Options follow imgtool's {@code sign}; with an
 * {@code X-Encrypt-Key} header (base64 of the recipient's public key PEM) the payload is encrypted
 * as imgtool's {@code -E} does. Nothing is kept: the temporary files are deleted once the answer
 * has been sent.
 */
@Path("/api/v1/sign/image")
public class ImageResource {

    @Inject ImageSigning signing;

    @Inject SecurityIdentity identity;

    @POST
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @RolesAllowed({Roles.RELEASE_ENGINEER, Roles.CI_PIPELINE})
    public Response sign(
            InputStream body,
            @HeaderParam("Content-Length") Long contentLength,
            @QueryParam("keyId") String keyId,
            @QueryParam("version") String version,
            @QueryParam("headerSize") @DefaultValue("0x200") String headerSize,
            @QueryParam("padHeader") @DefaultValue("false") boolean padHeader,
            @QueryParam("securityCounter") String securityCounter,
            @QueryParam("slotSize") @DefaultValue("0") String slotSize,
            @QueryParam("pad") @DefaultValue("false") boolean pad,
            @QueryParam("confirm") @DefaultValue("false") boolean confirm,
            @QueryParam("align") @DefaultValue("1") int align,
            @QueryParam("publicKeyFormat") @DefaultValue("hash") String publicKeyFormat,
            @HeaderParam("X-Encrypt-Key") String encryptKey,
            @QueryParam("encryptKeyLen") @DefaultValue("128") int encryptKeyLen) {
        ImageSigning.SignedImage signed =
                signing.sign(
                        Caller.of(identity),
                        new ImageSigning.Options(
                                keyId,
                                version,
                                headerSize,
                                padHeader,
                                securityCounter,
                                slotSize,
                                pad,
                                confirm,
                                align,
                                publicKeyFormat,
                                encryptKey,
                                encryptKeyLen),
                        body,
                        contentLength);
        StreamingOutput stream =
                o -> {
                    try (signed) {
                        Files.copy(signed.image(), o);
                    }
                };
        return Response.ok(stream, MediaType.APPLICATION_OCTET_STREAM)
                .header("Content-Length", signed.length())
                .header("X-Image-Digest", HexFormat.of().formatHex(signed.digest()))
                .header("X-Key-Hash", signed.keyHash())
                .header("X-Key-Version", signed.keyVersion())
                .build();
    }
}
