package dev.meerkat.fleet.api;

import dev.meerkat.fleet.release.ObjectStore;
import dev.meerkat.fleet.release.Release;
import dev.meerkat.fleet.release.ReleaseService;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/** Releases: upload once (verified), list, download. */
@Path("/api/v1/releases")
@Produces(MediaType.APPLICATION_JSON)
public class ReleasesResource {

    @Inject ReleaseService releases;

    @Inject ObjectStore store;

    @Inject SecurityIdentity identity;

    /**
     * Body: the signed MCUboot image or fw.zip. {@code id} defaults to {@code
     * <platform>-<version>}.
     */
    @POST
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    @RolesAllowed({Roles.ADMIN, Roles.RELEASE_MANAGER})
    public Response upload(
            InputStream body, @QueryParam("id") String id, @QueryParam("platform") String platform)
            throws IOException {
        Release r = releases.upload(Caller.of(identity), id, platform, body);
        return Response.status(201).entity(r).build();
    }

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.RELEASE_MANAGER, Roles.OPERATOR, Roles.VIEWER})
    public List<Release> list() {
        return releases.all();
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Roles.ADMIN, Roles.RELEASE_MANAGER, Roles.OPERATOR, Roles.VIEWER})
    public Release show(@PathParam("id") String id) {
        return releases.get(id);
    }

    @GET
    @Path("{id}/content")
    @Produces({MediaType.APPLICATION_OCTET_STREAM, "application/problem+json"})
    @RolesAllowed({Roles.ADMIN, Roles.RELEASE_MANAGER, Roles.OPERATOR})
    public Response content(@PathParam("id") String id, @HeaderParam("Range") String range) {
        return ArtifactResponses.serve(store, releases.get(id), range);
    }
}
