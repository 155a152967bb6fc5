package dev.meerkat.fleet.api;

import dev.meerkat.fleet.refusal.Refusal;
import dev.meerkat.fleet.release.DownloadLinks;
import dev.meerkat.fleet.release.ObjectStore;
import dev.meerkat.fleet.release.ReleaseService;
import jakarta.annotation.security.PermitAll;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Downloads by signed, time-limited link (the directory store's stand-in for presigned URLs). */
@Path("/api/v1/downloads/{releaseId}")
@PermitAll
public class DownloadsResource {

    @Inject DownloadLinks links;

    @Inject ReleaseService releases;

    @Inject ObjectStore store;

    @GET
    @Produces({MediaType.APPLICATION_OCTET_STREAM, "application/problem+json"})
    public Response download(
            @PathParam("releaseId") String releaseId,
            @QueryParam("expires") long expires,
            @QueryParam("sig") String sig,
            @HeaderParam("Range") String range) {
        if (!links.valid(releaseId, expires, sig)) {
            throw Refusal.forbidden("the download link is not valid or has expired");
        }
        return ArtifactResponses.serve(store, releases.get(releaseId), range);
    }
}
