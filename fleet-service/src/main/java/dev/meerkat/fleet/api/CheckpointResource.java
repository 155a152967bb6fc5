package dev.meerkat.fleet.api;

import dev.meerkat.fleet.audit.Checkpoint;
import dev.meerkat.fleet.audit.CheckpointService;
import dev.meerkat.fleet.security.Roles;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Signed checkpoints of the audit chain head, and the public key that verifies them. */
@Path("/api/v1/audit/checkpoints")
@Produces(MediaType.APPLICATION_JSON)
public class CheckpointResource {

    @Inject CheckpointService checkpoints;

    /** Signs the current head now (an export asks for this first); returns the checkpoint. */
    @POST
    @RolesAllowed({Roles.ADMIN, Roles.VIEWER})
    public Checkpoint sign() {
        return checkpoints.signHead();
    }

    @GET
    @Path("latest")
    @RolesAllowed({Roles.ADMIN, Roles.VIEWER})
    public Checkpoint latest() {
        Checkpoint cp = checkpoints.latest();
        return cp != null ? cp : checkpoints.signHead();
    }

    /** Public: anyone may check a checkpoint. */
    @GET
    @Path("key")
    @Produces({MediaType.TEXT_PLAIN, "application/x-pem-file"})
    @PermitAll
    public String key() {
        return checkpoints.publicKeyPem();
    }
}
