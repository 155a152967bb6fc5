package dev.meerkat.fleet.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.meerkat.fleet.audit.AuditLog;
import dev.meerkat.fleet.refusal.Refusal;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.store.Database;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Inject;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns every failure into {@code application/problem+json}; refused 401/403 requests are audited.
 */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @Inject AuditLog audit;

    @Inject SecurityIdentity identity;

    /** The HTTP status of each kind of refusal: the one place the domain's "no" meets HTTP. */
    static final java.util.Map<Refusal.Kind, Integer> STATUS =
            new java.util.EnumMap<>(
                    java.util.Map.of(
                            Refusal.Kind.INVALID,
                            400,
                            Refusal.Kind.UNAUTHORIZED,
                            401,
                            Refusal.Kind.FORBIDDEN,
                            403,
                            Refusal.Kind.NOT_FOUND,
                            404,
                            Refusal.Kind.CONFLICT,
                            409,
                            Refusal.Kind.TOO_LARGE,
                            413,
                            Refusal.Kind.UNPROCESSABLE,
                            422));

    @ServerExceptionMapper
    public Response fleet(Refusal e, UriInfo uri, HttpServerRequest request) {
        int status = STATUS.get(e.kind());
        if (status == 401) {
            auditDenied(Caller.ANONYMOUS, request, 401, e.getMessage());
        }
        return respond(status, e.title(), e.getMessage(), uri);
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthorized(RuntimeException e, UriInfo uri, HttpServerRequest request) {
        auditDenied(
                Caller.ANONYMOUS,
                request,
                401,
                e instanceof AuthenticationFailedException
                        ? "credentials rejected"
                        : "no credentials");
        return Response.fromResponse(
                        respond(
                                401,
                                "Unauthorized",
                                "a bearer token or a client certificate is required",
                                uri))
                .header("WWW-Authenticate", "Bearer")
                .build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri, HttpServerRequest request) {
        Caller caller = Caller.of(identity);
        auditDenied(caller, request, 403, "role not permitted");
        return respond(
                403,
                "Forbidden",
                "roles [" + caller.roles() + "] may not " + request.method() + " " + request.path(),
                uri);
    }

    @ServerExceptionMapper
    public Response validation(ConstraintViolationException e, UriInfo uri) {
        String detail =
                e.getConstraintViolations().stream()
                        .map(v -> lastNode(v.getPropertyPath().toString()) + ": " + v.getMessage())
                        .sorted()
                        .collect(Collectors.joining("; "));
        return respond(400, "Invalid request", detail, uri);
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e, UriInfo uri) {
        return respond(400, "Malformed JSON", e.getOriginalMessage(), uri);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        if (e.getCause() instanceof JsonProcessingException j) return json(j, uri);
        Response.Status s = Response.Status.fromStatusCode(status);
        return respond(status, s == null ? "Error" : s.getReasonPhrase(), e.getMessage(), uri);
    }

    @ServerExceptionMapper
    public Response store(Database.StoreException e, UriInfo uri) {
        LOG.errorf(e, "database failure on %s", uri.getPath());
        return respond(
                503, "Store unavailable", "the database did not answer; nothing was changed", uri);
    }

    @ServerExceptionMapper
    public Response objectStore(dev.meerkat.fleet.release.ObjectStoreUnavailable e, UriInfo uri) {
        LOG.warnf("object store unavailable on %s: %s", uri.getPath(), e.getMessage());
        return respond(
                503,
                "Object store unavailable",
                "the object store did not answer; nothing was changed",
                uri);
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e, UriInfo uri) {
        LOG.errorf(e, "unexpected failure on %s", uri.getPath());
        return respond(500, "Internal error", "the service failed; see its log", uri);
    }

    private void auditDenied(Caller caller, HttpServerRequest request, int status, String why) {
        try {
            audit.record(
                    caller,
                    "http " + request.method() + " " + request.path(),
                    null,
                    "denied " + status + ": " + why);
        } catch (RuntimeException ex) {
            LOG.errorf(ex, "could not audit a refused request");
        }
    }

    static Response respond(int status, String title, String detail, UriInfo uri) {
        return Response.status(status)
                .type(Problem.MEDIA_TYPE)
                .entity(
                        new Problem(
                                "about:blank",
                                title,
                                status,
                                detail,
                                uri == null ? null : uri.getPath()))
                .build();
    }

    private static String lastNode(String path) {
        int i = path.lastIndexOf('.');
        return i < 0 ? path : path.substring(i + 1);
    }
}
