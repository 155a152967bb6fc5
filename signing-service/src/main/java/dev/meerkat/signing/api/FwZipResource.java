package dev.meerkat.signing.api;

import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.security.Roles;
import dev.meerkat.signing.sign.FwZipSigning;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
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

/**
 * Signs a Mongoose OS fw.zip: the bundle is uploaded and comes back with an ECDSA P-256 manifest
 * signature added, as {@code mos} does. The temporary copy is deleted after the answer.
 */
@Path("/api/v1/sign/fwzip")
public class FwZipResource {

    @Inject FwZipSigning signing;

    @Inject SecurityIdentity identity;

    @POST
    @Consumes({"application/zip", MediaType.APPLICATION_OCTET_STREAM})
    @Produces("application/zip")
    @RolesAllowed({Roles.RELEASE_ENGINEER, Roles.CI_PIPELINE})
    public Response sign(
            InputStream body,
            @HeaderParam("Content-Length") Long contentLength,
            @QueryParam("keyId") String keyId,
            @QueryParam("slot") Integer slot) {
        FwZipSigning.SignedBundle signed =
                signing.sign(Caller.of(identity), keyId, slot, body, contentLength);
        StreamingOutput stream =
                o -> {
                    try (signed) {
                        Files.copy(signed.file(), o);
                    }
                };
        return Response.ok(stream, "application/zip")
                .header("Content-Length", signed.size())
                .header("X-Signature-Slot", signed.slot())
                .header("X-Manifest-Digest", signed.manifestHash())
                .build();
    }
}
