package dev.meerkat.fleet.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.fleet.FleetConfig;
import dev.meerkat.fleet.deploy.DeviceReport;
import dev.meerkat.fleet.deploy.Execution;
import dev.meerkat.fleet.deploy.ExecutionService;
import dev.meerkat.fleet.device.Device;
import dev.meerkat.fleet.device.DeviceService;
import dev.meerkat.fleet.refusal.Refusal;
import dev.meerkat.fleet.release.ObjectStore;
import dev.meerkat.fleet.release.Release;
import dev.meerkat.fleet.security.Caller;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.PermitAll;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The hawkBit Direct Device Integration API, so Linux devices with an existing DDI client
 * (SWUpdate's suricatta, for one) poll fleet-service: the controller base (polling interval and a
 * {@code deploymentBase} link when there is work), the deployment with its one artifact, feedback,
 * config data, and the artifact download (Range). An execution's action id is its DDI action id and
 * its software module id. Feedback maps to execution events: {@code closed}+{@code success}
 * succeeded, {@code closed}+{@code failure} failed, {@code rejected} rejected, anything else in
 * progress.
 */
@Path("/{tenant}/controller/v1/{controllerId}")
@PermitAll
@Produces(MediaType.APPLICATION_JSON)
public class DdiResource {

    @Inject DeviceAuthenticator authenticator;

    @Inject ExecutionService executions;

    @Inject DeviceService devices;

    @Inject ObjectStore store;

    @Inject FleetConfig config;

    @Inject CurrentIdentityAssociation identity;

    @Inject HttpServerRequest request;

    @GET
    public Map<String, Object> base(
            @PathParam("tenant") String tenant,
            @PathParam("controllerId") String controllerId,
            @jakarta.ws.rs.core.Context UriInfo uri) {
        Device d = device(tenant, controllerId);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("config", Map.of("polling", Map.of("sleep", hms(config.ddi().pollingSleep()))));
        Map<String, Object> links = new LinkedHashMap<>();
        executions
                .next(d.id(), null, null, "ddi")
                .ifPresent(
                        w ->
                                links.put(
                                        "deploymentBase",
                                        Map.of(
                                                "href",
                                                base(uri, tenant, d.id())
                                                        + "/deploymentBase/"
                                                        + w.execution().actionId()
                                                        + "?c="
                                                        + w.execution().versionNumber())));
        if (d.attributes().isEmpty())
            links.put("configData", Map.of("href", base(uri, tenant, d.id()) + "/configData"));
        body.put("_links", links);
        return body;
    }

    @GET
    @Path("deploymentBase/{actionId}")
    public Map<String, Object> deploymentBase(
            @PathParam("tenant") String tenant,
            @PathParam("controllerId") String controllerId,
            @PathParam("actionId") long actionId,
            @jakarta.ws.rs.core.Context UriInfo uri) {
        Device d = device(tenant, controllerId);
        ExecutionService.Work w = work(d, actionId);
        Release r = w.release();
        String file = r.id() + (r.format().equals("fwzip") ? ".zip" : ".bin");
        String href =
                base(uri, tenant, d.id()) + "/softwaremodules/" + actionId + "/artifacts/" + file;
        Map<String, Object> artifact = new LinkedHashMap<>();
        artifact.put("filename", file);
        artifact.put("hashes", Map.of("sha1", r.sha1(), "md5", r.md5(), "sha256", r.sha256()));
        artifact.put("size", r.size());
        artifact.put(
                "_links",
                Map.of("download", Map.of("href", href), "download-http", Map.of("href", href)));
        Map<String, Object> chunk = new LinkedHashMap<>();
        chunk.put("part", "os");
        chunk.put("version", r.version());
        chunk.put("name", r.id());
        chunk.put("artifacts", List.of(artifact));
        Map<String, Object> deployment = new LinkedHashMap<>();
        deployment.put("download", "forced");
        deployment.put("update", "forced");
        deployment.put("chunks", List.of(chunk));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", String.valueOf(actionId));
        body.put("deployment", deployment);
        return body;
    }

    @POST
    @Path("deploymentBase/{actionId}/feedback")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response feedback(
            @PathParam("tenant") String tenant,
            @PathParam("controllerId") String controllerId,
            @PathParam("actionId") long actionId,
            JsonNode body) {
        Device d = device(tenant, controllerId);
        Execution e = work(d, actionId).execution();
        if (e.state().isFinal()) {
            return Response.status(410).build();
        }
        JsonNode status = body == null ? null : body.path("status");
        if (status == null || !status.isObject())
            throw Refusal.badRequest("feedback needs a status object");
        String execution = status.path("execution").asText("");
        String finished = status.path("result").path("finished").asText("none");
        List<String> details = new ArrayList<>();
        for (JsonNode n : status.path("details")) details.add(n.asText());
        String text = String.join("; ", details);
        if (text.length() > DeviceReport.MAX_DETAILS)
            text = text.substring(0, DeviceReport.MAX_DETAILS);
        String reportStatus =
                switch (execution) {
                    case "closed" ->
                            "success".equals(finished)
                                    ? "SUCCEEDED"
                                    : "failure".equals(finished) ? "FAILED" : "SUCCEEDED";
                    case "rejected" -> "REJECTED";
                    case "canceled" -> null;
                    case "proceeding", "scheduled", "resumed", "download", "downloaded" ->
                            "IN_PROGRESS";
                    default ->
                            throw Refusal.badRequest(
                                    "unknown feedback execution status '" + execution + "'");
                };
        if (reportStatus == null) return Response.ok().build();
        String reason =
                "FAILED".equals(reportStatus) && !text.isEmpty()
                        ? text.substring(0, Math.min(text.length(), DeviceReport.MAX_REASON))
                        : null;
        executions.report(
                Caller.device(d.id()),
                d.id(),
                e.deploymentId(),
                new DeviceReport(
                        reportStatus,
                        null,
                        text.isEmpty() ? "ddi: " + execution : "ddi: " + text,
                        reason));
        return Response.ok().build();
    }

    @PUT
    @Path("configData")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response configData(
            @PathParam("tenant") String tenant,
            @PathParam("controllerId") String controllerId,
            JsonNode body) {
        Device d = device(tenant, controllerId);
        JsonNode data = body == null ? null : body.path("data");
        if (data == null || !data.isObject())
            throw Refusal.badRequest("configData needs a data object");
        String mode = body.path("mode").asText("merge");
        Map<String, String> attrs =
                new java.util.TreeMap<>("replace".equals(mode) ? Map.of() : d.attributes());
        data.fields()
                .forEachRemaining(
                        f -> {
                            if ("remove".equals(mode))
                                attrs.remove(f.getKey().toLowerCase(java.util.Locale.ROOT));
                            else
                                attrs.put(
                                        f.getKey().toLowerCase(java.util.Locale.ROOT),
                                        f.getValue().asText());
                        });
        devices.setAttributes(Caller.device(d.id()), d.id(), attrs);
        return Response.ok().build();
    }

    @GET
    @Path("softwaremodules/{moduleId}/artifacts/{fileName}")
    @Produces({MediaType.APPLICATION_OCTET_STREAM, "application/problem+json"})
    public Response artifact(
            @PathParam("tenant") String tenant,
            @PathParam("controllerId") String controllerId,
            @PathParam("moduleId") long moduleId,
            @PathParam("fileName") String fileName,
            @HeaderParam("Range") String range) {
        Device d = device(tenant, controllerId);
        ExecutionService.Work w = work(d, moduleId);
        return ArtifactResponses.serve(store, w.release(), range);
    }

    private ExecutionService.Work work(Device d, long actionId) {
        Optional<ExecutionService.Work> w = executions.workByAction(d.id(), actionId);
        return w.orElseThrow(
                () -> Refusal.notFound("Action", "no action " + actionId + " for " + d.id()));
    }

    private Device device(String tenant, String controllerId) {
        if (!config.ddi().tenant().equals(tenant))
            throw Refusal.notFound("Tenant", "no tenant " + tenant);
        return authenticator.authenticate(request, identity.getIdentity(), controllerId);
    }

    private static String base(UriInfo uri, String tenant, String controllerId) {
        return uri.getBaseUriBuilder()
                .path(tenant)
                .path("controller")
                .path("v1")
                .path(controllerId)
                .build()
                .toString();
    }

    static String hms(Duration d) {
        long s = Math.max(1, d.toSeconds());
        return String.format("%02d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
