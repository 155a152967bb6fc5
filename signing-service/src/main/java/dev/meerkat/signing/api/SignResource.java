package dev.meerkat.signing.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.security.Roles;
import dev.meerkat.signing.signing.SignResult;
import dev.meerkat.signing.signing.SigningService;
import io.quarkus.security.identity.SecurityIdentity;

/** Digest signing: the image stays on the build machine, only its SHA-256/384 travels. */
@Path("/api/v1/sign")
@Produces(MediaType.APPLICATION_JSON)
public class SignResource {

    /** {@code digest} in hex; {@code algorithm} sha256 (default) or sha384; {@code keyVersion} pins the version. */
    public record DigestBody(@NotBlank String keyId, Integer keyVersion, String algorithm, @NotBlank String digest) {
    }

    @Inject
    SigningService signing;

    @Inject
    SecurityIdentity identity;

    /** 200 with the signature, or 202 with a pending request for a production key. */
    @POST
    @Path("digest")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.RELEASE_ENGINEER, Roles.CI_PIPELINE, Roles.FACTORY_STATION})
    public Response digest(@Valid @NotNull DigestBody body) {
        SignResult r = signing.signDigest(Caller.of(identity), identity,
                new SigningService.DigestRequest(body.keyId(), body.keyVersion(), body.algorithm(), body.digest()));
        return Response.status("pending".equals(r.state()) ? 202 : 200).entity(r).build();
    }
}
