package dev.meerkat.signing.api;

import dev.meerkat.signing.checkpoint.Checkpoint;
import dev.meerkat.signing.checkpoint.CheckpointService;
import dev.meerkat.signing.security.Roles;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * Signed checkpoints of the audit chain head, and the public key that verifies them (published).
 */
@Path("/api/v1/audit/checkpoints")
@Produces(MediaType.APPLICATION_JSON)
public class CheckpointResource {

    @Inject CheckpointService checkpoints;

    /** Signs the current head now (an export asks for this first); returns the checkpoint. */
    @POST
    @RolesAllowed({Roles.AUDITOR, Roles.ADMIN})
    public Checkpoint sign() {
        return checkpoints.signHead();
    }

    @GET
    @Path("latest")
    @RolesAllowed({Roles.AUDITOR, Roles.ADMIN})
    public Checkpoint latest() {
        Checkpoint cp = checkpoints.latest();
        return cp != null ? cp : checkpoints.signHead();
    }

    @GET
    @Path("key")
    @Produces({MediaType.TEXT_PLAIN, "application/x-pem-file"})
    @PermitAll
    public String key() {
        return checkpoints.publicKeyPem();
    }
}
