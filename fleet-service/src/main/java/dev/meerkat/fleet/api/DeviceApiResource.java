package dev.meerkat.fleet.api;

import dev.meerkat.fleet.deploy.DeviceReport;
import dev.meerkat.fleet.deploy.Execution;
import dev.meerkat.fleet.deploy.ExecutionService;
import dev.meerkat.fleet.device.Device;
import dev.meerkat.fleet.refusal.Refusal;
import dev.meerkat.fleet.release.ObjectStore;
import dev.meerkat.fleet.security.Caller;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.PermitAll;
import jakarta.inject.Inject;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Optional;

/**
 * HTTP polling for devices. {@code update} speaks Mongoose OS's update check ({@code update.url}):
 * the device sends {@code X-MGOS-FW-Version: <platform> <version> <build>}, gets 304 when there is
 * nothing to do, or the artifact itself (200, Range honoured). Handing out the artifact starts the
 * execution; the version the device reports on its next check settles it: the release's version
 * means it booted and committed, its old version means the bootloader rolled back. The JSON
 * endpoints ({@code next}, reports, artifact) are for agents that report each step themselves.
 */
@Path("/api/v1/device/{deviceId}")
@PermitAll
public class DeviceApiResource {

    /** Work for a device: the execution, the release, and where to download it. */
    public record WorkView(
            String deploymentId,
            long versionNumber,
            String state,
            int attempt,
            String releaseId,
            String version,
            String platform,
            long size,
            String sha256,
            String url) {}

    /** How the device's last update ended, sent with the update check by Meerkat firmware. */
    static final String RESULT_HEADER = "X-Meerkat-OTA-Result";

    @Inject DeviceAuthenticator authenticator;

    @Inject ExecutionService executions;

    @Inject ObjectStore store;

    @Inject CurrentIdentityAssociation identity;

    @Inject HttpServerRequest request;

    @GET
    @Path("update")
    @Produces({MediaType.APPLICATION_OCTET_STREAM, "application/problem+json"})
    public Response mongooseUpdateCheck(
            @PathParam("deviceId") String deviceId,
            @HeaderParam("X-MGOS-FW-Version") String fwVersion,
            @HeaderParam(RESULT_HEADER) String lastResult,
            @HeaderParam("Range") String range) {
        Device d = device(deviceId);
        String running = null;
        if (fwVersion != null) {
            String[] parts = fwVersion.strip().split("\\s+");
            if (parts.length >= 2 && parts[1].length() <= 64) running = parts[1];
        }
        Optional<ExecutionService.Work> work = executions.next(d.id(), running, null, "http");
        if (work.isPresent() && running != null) {
            work = settleByVersion(d, work.get(), running, lastResult);
        }
        if (work.isEmpty()) return Response.notModified().build();
        ExecutionService.Work w = work.get();
        // the artifact is opened first: with the object store down the device hears 503 and its
        // execution stays queued
        Response artifact = ArtifactResponses.serve(store, w.release(), range);
        if (w.execution().state() == dev.meerkat.fleet.deploy.ExecutionState.QUEUED) {
            executions.report(
                    Caller.device(d.id()),
                    d.id(),
                    w.execution().deploymentId(),
                    new DeviceReport(
                            "IN_PROGRESS",
                            w.execution().versionNumber(),
                            "downloading over HTTP",
                            null));
        }
        return artifact;
    }

    /** Next work as JSON, or 204. */
    @GET
    @Path("next")
    @Produces(MediaType.APPLICATION_JSON)
    public Response next(
            @PathParam("deviceId") String deviceId,
            @HeaderParam("X-Meerkat-Version") String running) {
        Device d = device(deviceId);
        return executions
                .next(
                        d.id(),
                        running != null && running.length() <= 64 ? running : null,
                        null,
                        "http")
                .map(w -> Response.ok(view(d, w)).build())
                .orElseGet(() -> Response.noContent().build());
    }

    @POST
    @Path("executions/{deploymentId}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Execution report(
            @PathParam("deviceId") String deviceId,
            @PathParam("deploymentId") String deploymentId,
            @NotNull DeviceReport report) {
        Device d = device(deviceId);
        return executions.report(Caller.device(d.id()), d.id(), deploymentId, report);
    }

    @GET
    @Path("executions/{deploymentId}/artifact")
    @Produces({MediaType.APPLICATION_OCTET_STREAM, "application/problem+json"})
    public Response artifact(
            @PathParam("deviceId") String deviceId,
            @PathParam("deploymentId") String deploymentId,
            @HeaderParam("Range") String range) {
        Device d = device(deviceId);
        ExecutionService.Work w =
                executions
                        .work(d.id(), deploymentId)
                        .orElseThrow(
                                () ->
                                        Refusal.notFound(
                                                "Execution",
                                                "device "
                                                        + d.id()
                                                        + " has no execution in "
                                                        + deploymentId));
        return ArtifactResponses.serve(store, w.release(), range);
    }

    /**
     * Settles an execution in progress from the version the device now runs and, if it sent one,
     * the result header of its last update ({@code <outcome> <version>[; <detail>]}): the detail of
     * a rollback or failure (the bootloader's reason) becomes the rollback reason.
     */
    private Optional<ExecutionService.Work> settleByVersion(
            Device d, ExecutionService.Work w, String running, String lastResult) {
        Execution e = w.execution();
        if (e.state() != dev.meerkat.fleet.deploy.ExecutionState.IN_PROGRESS) return Optional.of(w);
        String why = "device reverted to " + running;
        String details = "still running " + running + " after the update";
        if (lastResult != null
                && lastResult.length() <= 400
                && lastResult.matches("[\\x20-\\x7e]+")) {
            int semi = lastResult.indexOf("; ");
            String head = semi < 0 ? lastResult : lastResult.substring(0, semi);
            if (semi > 0 && (head.startsWith("rolled_back ") || head.startsWith("failed "))) {
                why = lastResult.substring(semi + 2);
                if (why.length() > DeviceReport.MAX_REASON)
                    why = why.substring(0, DeviceReport.MAX_REASON);
            }
            details = "still running " + running + ": " + head;
        }
        DeviceReport r =
                running.equals(w.release().version())
                        ? new DeviceReport(
                                "SUCCEEDED", e.versionNumber(), "running " + running, null)
                        : new DeviceReport("FAILED", e.versionNumber(), details, why);
        executions.report(Caller.device(d.id()), d.id(), e.deploymentId(), r);
        return executions.next(d.id(), running, null, "http");
    }

    private WorkView view(Device d, ExecutionService.Work w) {
        Execution e = w.execution();
        String url =
                store.presign(w.release().objectKey())
                        .map(Object::toString)
                        .orElse(
                                "/api/v1/device/"
                                        + d.id()
                                        + "/executions/"
                                        + e.deploymentId()
                                        + "/artifact");
        return new WorkView(
                e.deploymentId(),
                e.versionNumber(),
                e.state().name(),
                e.attempt(),
                w.release().id(),
                w.release().version(),
                w.release().platform(),
                w.release().size(),
                w.release().sha256(),
                url);
    }

    private Device device(String deviceId) {
        return authenticator.authenticate(request, identity.getIdentity(), deviceId);
    }
}
