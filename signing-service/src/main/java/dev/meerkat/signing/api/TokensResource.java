package dev.meerkat.signing.api;

import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.security.Roles;
import dev.meerkat.signing.tokens.TokenRevocations;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Revokes bearer tokens by their {@code jti} before they expire (administrators). */
@Path("/api/v1/tokens/revoked")
@Produces(MediaType.APPLICATION_JSON)
public class TokensResource {

    /**
     * The token to revoke; {@code subject} and {@code reason} are recorded for people reading the
     * audit log.
     */
    public record Revocation(
            @NotBlank @Size(max = TokenRevocations.MAX_JTI) String jti,
            @Size(max = 200) String subject,
            @Size(max = TokenRevocations.MAX_REASON) String reason) {}

    @Inject TokenRevocations revocations;

    @Inject SecurityIdentity identity;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    public Response revoke(@Valid @NotNull Revocation req) {
        revocations.revoke(Caller.of(identity), req.jti(), req.subject(), req.reason());
        return Response.status(201).entity(req).build();
    }
}
