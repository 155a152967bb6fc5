package dev.meerkat.fleet.aws.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.meerkat.cloud.aws.control.CancelJobRequest;
import dev.meerkat.cloud.aws.control.CreateJobRequest;
import dev.meerkat.cloud.aws.control.IotError;
import dev.meerkat.cloud.aws.control.Things;
import dev.meerkat.cloud.aws.sigv4.SignedRequest;
import dev.meerkat.fleet.aws.AwsAccessKeys;
import dev.meerkat.fleet.aws.AwsJobService;
import dev.meerkat.fleet.aws.AwsRegistryService;
import dev.meerkat.fleet.aws.IotException;
import dev.meerkat.fleet.refusal.Refusal;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.security.Roles;
import jakarta.annotation.security.PermitAll;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The AWS IoT control-plane subset, on the paths and in the rest-json wire format of the AWS SDK's
 * {@code IotClient}: every request is SigV4-signed with a configured access key (the security layer
 * lets these paths through; the signature is the authentication), refusals are AWS errors ({@code
 * x-amzn-ErrorType} header, {@code {"message"}} body).
 */
@Path("/")
@PermitAll
@Consumes(MediaType.WILDCARD)
public class IotControlPlaneResource {
    private static final Logger LOG = Logger.getLogger(IotControlPlaneResource.class);

    private static final Set<String> DEPLOYERS = Set.of(Roles.ADMIN, Roles.RELEASE_MANAGER);
    private static final Set<String> REGISTRARS = Set.of(Roles.ADMIN, Roles.OPERATOR);
    private static final Set<String> READERS =
            Set.of(Roles.ADMIN, Roles.RELEASE_MANAGER, Roles.OPERATOR, Roles.VIEWER);

    /** Strict: a member we do not implement is refused rather than silently ignored. */
    private static final ObjectMapper STRICT =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static final byte[] NO_BODY = new byte[0];

    @Inject AwsAccessKeys keys;

    @Inject AwsJobService jobs;

    @Inject AwsRegistryService registry;

    @Context HttpHeaders headers;

    @Context UriInfo uri;

    @Context Request request;

    @PUT
    @Path("jobs/{jobId}")
    public Response createJob(@PathParam("jobId") String jobId, byte[] body) {
        Caller caller = auth(body, DEPLOYERS);
        return ok(jobs.create(caller, jobId, read(body, CreateJobRequest.class)));
    }

    @GET
    @Path("jobs/{jobId}")
    public Response describeJob(@PathParam("jobId") String jobId) {
        auth(NO_BODY, READERS);
        return ok(jobs.describe(jobId));
    }

    @PUT
    @Path("jobs/{jobId}/cancel")
    public Response cancelJob(
            @PathParam("jobId") String jobId, @QueryParam("force") Boolean force, byte[] body) {
        Caller caller = auth(body, DEPLOYERS);
        CancelJobRequest r = body.length == 0 ? null : read(body, CancelJobRequest.class);
        return ok(jobs.cancel(caller, jobId, Boolean.TRUE.equals(force), r));
    }

    @GET
    @Path("jobs/{jobId}/things")
    public Response listJobExecutionsForJob(
            @PathParam("jobId") String jobId,
            @QueryParam("status") String status,
            @QueryParam("maxResults") Integer maxResults,
            @QueryParam("nextToken") String nextToken) {
        auth(NO_BODY, READERS);
        return ok(jobs.executions(jobId, status, maxResults, nextToken));
    }

    @GET
    @Path("things/{thingName}/jobs/{jobId}")
    public Response describeJobExecution(
            @PathParam("thingName") String thingName,
            @PathParam("jobId") String jobId,
            @QueryParam("executionNumber") Long executionNumber) {
        auth(NO_BODY, READERS);
        return ok(jobs.execution(thingName, jobId, executionNumber));
    }

    @POST
    @Path("things/{thingName}")
    public Response createThing(@PathParam("thingName") String thingName, byte[] body) {
        Caller caller = auth(body, REGISTRARS);
        Things.CreateThingRequest r =
                body.length == 0 ? null : read(body, Things.CreateThingRequest.class);
        return ok(registry.createThing(caller, thingName, r));
    }

    @POST
    @Path("thing-groups/{thingGroupName}")
    public Response createThingGroup(@PathParam("thingGroupName") String groupName, byte[] body) {
        Caller caller = auth(body, REGISTRARS);
        if (body.length > 0) read(body, Things.CreateThingGroupRequest.class);
        return ok(registry.createThingGroup(caller, groupName));
    }

    @GET
    @Path("thing-groups/{thingGroupName}")
    public Response describeThingGroup(@PathParam("thingGroupName") String groupName) {
        auth(NO_BODY, READERS);
        return ok(registry.describeThingGroup(groupName));
    }

    @PUT
    @Path("thing-groups/addThingToThingGroup")
    public Response addThingToThingGroup(byte[] body) {
        Caller caller = auth(body, REGISTRARS);
        registry.addThingToThingGroup(caller, read(body, Things.AddThingToThingGroupRequest.class));
        return ok(Map.of());
    }

    @POST
    @Path("certificate/register-no-ca")
    public Response registerCertificateWithoutCa(byte[] body) {
        Caller caller = auth(body, REGISTRARS);
        return ok(
                registry.registerCertificate(
                        caller, read(body, Things.RegisterCertificateWithoutCaRequest.class)));
    }

    /** AttachPolicy: {@code {"target": arn}}. */
    public record AttachPolicyRequest(String target) {}

    @PUT
    @Path("target-policies/{policyName}")
    public Response attachPolicy(@PathParam("policyName") String policyName, byte[] body) {
        Caller caller = auth(body, REGISTRARS);
        registry.attachPolicy(caller, policyName, read(body, AttachPolicyRequest.class).target());
        return ok(Map.of());
    }

    @PUT
    @Path("things/{thingName}/principals")
    public Response attachThingPrincipal(@PathParam("thingName") String thingName, byte[] body) {
        Caller caller = auth(body, REGISTRARS);
        String principal = headers.getHeaderString(Things.PRINCIPAL_HEADER);
        if (principal == null) {
            throw IotException.invalid("the " + Things.PRINCIPAL_HEADER + " header is required");
        }
        registry.attachThingPrincipal(caller, thingName, principal);
        return ok(Map.of());
    }

    @ServerExceptionMapper
    public Response iot(IotException e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("message", e.getMessage());
        if (e.resourceId() != null) body.put("resourceId", e.resourceId());
        if (e.resourceArn() != null) body.put("resourceArn", e.resourceArn());
        return Response.status(e.status())
                .header(IotError.ERROR_TYPE_HEADER, e.type())
                .type(MediaType.APPLICATION_JSON)
                .entity(body)
                .build();
    }

    @ServerExceptionMapper
    public Response refusal(Refusal r) {
        return iot(
                r.kind() == Refusal.Kind.NOT_FOUND
                        ? IotException.notFound(r.getMessage())
                        : IotException.invalid(r.getMessage()));
    }

    private Caller auth(byte[] body, Set<String> allowed) {
        var raw = uri.getRequestUri();
        return keys.authenticate(
                new SignedRequest(
                        request.getMethod(),
                        raw.getRawPath(),
                        raw.getRawQuery(),
                        headers.getRequestHeaders(),
                        body),
                allowed);
    }

    private static <T> T read(byte[] body, Class<T> type) {
        try {
            T value = STRICT.readValue(body, type);
            if (value == null) throw IotException.invalid("a JSON body is required");
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw IotException.invalid(
                    "member " + e.getPropertyName() + " is not supported by this endpoint");
        } catch (IOException e) {
            LOG.debugf("unreadable body: %s", e.getMessage());
            throw IotException.invalid("the body is not the JSON this operation takes");
        }
    }

    private static Response ok(Object body) {
        return Response.ok(body, MediaType.APPLICATION_JSON).build();
    }
}
