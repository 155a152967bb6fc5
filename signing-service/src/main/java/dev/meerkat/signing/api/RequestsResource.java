package dev.meerkat.signing.api;

import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.security.Roles;
import dev.meerkat.signing.sign.SignResult;
import dev.meerkat.signing.sign.SigningService;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** Signing requests against production keys and their approvals. */
@Path("/api/v1/requests")
@Produces(MediaType.APPLICATION_JSON)
public class RequestsResource {

    /** An approver's optional comment. */
    public record Decision(String comment) {}

    @Inject SigningService signing;

    @Inject SecurityIdentity identity;

    @GET
    @RolesAllowed({Roles.APPROVER, Roles.ADMIN, Roles.AUDITOR})
    public List<SignResult> list(@QueryParam("state") String state) {
        return signing.list(state);
    }

    /** Requesters poll their own request here; approvers, admins and auditors see any. */
    @GET
    @Path("{id}")
    @RolesAllowed({
        Roles.RELEASE_ENGINEER,
        Roles.CI_PIPELINE,
        Roles.FACTORY_STATION,
        Roles.APPROVER,
        Roles.ADMIN,
        Roles.AUDITOR
    })
    public SignResult show(@PathParam("id") String id) {
        return signing.getFor(Caller.of(identity), id);
    }

    @POST
    @Path("{id}/approve")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.APPROVER)
    public SignResult approve(@PathParam("id") String id, Decision d) {
        return signing.decide(Caller.of(identity), id, true, d == null ? null : d.comment());
    }

    @POST
    @Path("{id}/reject")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.APPROVER)
    public SignResult reject(@PathParam("id") String id, Decision d) {
        return signing.decide(Caller.of(identity), id, false, d == null ? null : d.comment());
    }
}
