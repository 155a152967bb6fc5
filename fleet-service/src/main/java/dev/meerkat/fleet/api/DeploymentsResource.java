package dev.meerkat.fleet.api;

import dev.meerkat.fleet.deploy.Deployment;
import dev.meerkat.fleet.deploy.DeploymentCommand;
import dev.meerkat.fleet.deploy.DeploymentService;
import dev.meerkat.fleet.deploy.DeploymentStatus;
import dev.meerkat.fleet.deploy.Execution;
import dev.meerkat.fleet.deploy.RolloutPlan;
import dev.meerkat.fleet.refusal.Refusal;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/** Deployments: create, follow, and steer (pause, resume, next phase, cancel). */
@Path("/api/v1/deployments")
@Produces(MediaType.APPLICATION_JSON)
public class DeploymentsResource {

    public record CreateBody(String id, String release, String group, RolloutPlan plan) {}

    @Inject DeploymentService deployments;

    @Inject SecurityIdentity identity;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ADMIN, Roles.RELEASE_MANAGER})
    public Response create(@NotNull CreateBody b) {
        if (b.release() == null || b.group() == null)
            throw Refusal.badRequest("release and group are required");
        Deployment d =
                deployments.create(Caller.of(identity), b.id(), b.release(), b.group(), b.plan());
        return Response.status(201).entity(deployments.status(d.id())).build();
    }

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.RELEASE_MANAGER, Roles.OPERATOR, Roles.VIEWER})
    public List<DeploymentStatus> list() {
        return deployments.all();
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Roles.ADMIN, Roles.RELEASE_MANAGER, Roles.OPERATOR, Roles.VIEWER})
    public DeploymentStatus status(@PathParam("id") String id) {
        return deployments.status(id);
    }

    @GET
    @Path("{id}/executions")
    @RolesAllowed({Roles.ADMIN, Roles.RELEASE_MANAGER, Roles.OPERATOR, Roles.VIEWER})
    public List<Execution> executions(
            @PathParam("id") String id,
            @QueryParam("after") String after,
            @QueryParam("limit") @DefaultValue("1000") @Min(1) @Max(10000) int limit) {
        return deployments.executions(id, after, limit);
    }

    @POST
    @Path("{id}/{command: pause|resume|next-phase|cancel}")
    @RolesAllowed({Roles.ADMIN, Roles.RELEASE_MANAGER, Roles.OPERATOR})
    public DeploymentStatus command(
            @PathParam("id") String id, @PathParam("command") String command) {
        deployments.command(Caller.of(identity), id, DeploymentCommand.parse(command));
        return deployments.status(id);
    }
}
