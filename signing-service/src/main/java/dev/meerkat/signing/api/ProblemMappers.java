package dev.meerkat.signing.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.meerkat.signing.audit.AuditLog;
import dev.meerkat.signing.audit.RefusalAudit;
import dev.meerkat.signing.audit.RefusalSummaries;
import dev.meerkat.signing.refusal.Refusal;
import dev.meerkat.signing.security.Caller;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Inject;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Map;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns every failure into {@code application/problem+json}. A domain {@link Refusal} maps to its
 * status through {@link #STATUS}; one that no operation has audited yet (and every refusal made by
 * the web layer itself: validation, malformed JSON, 401, 403) is audited here before the answer
 * goes out.
 */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    /** Refusal kind to HTTP status. */
    static final Map<Refusal.Kind, Integer> STATUS =
            Map.of(
                    Refusal.Kind.INVALID,
                    400,
                    Refusal.Kind.FORBIDDEN,
                    403,
                    Refusal.Kind.NOT_FOUND,
                    404,
                    Refusal.Kind.CONFLICT,
                    409,
                    Refusal.Kind.LENGTH_REQUIRED,
                    411,
                    Refusal.Kind.TOO_LARGE,
                    413,
                    Refusal.Kind.UNPROCESSABLE,
                    422,
                    Refusal.Kind.TOO_MANY,
                    429);

    @Inject RefusalAudit refusals;

    @Inject AuditLog audit;

    @Inject RefusalSummaries summaries;

    @Inject SecurityIdentity identity;

    @ServerExceptionMapper
    public Uni<Response> refusal(Refusal e, UriInfo uri, HttpServerRequest request) {
        Response answer = respond(STATUS.get(e.kind()), e.title(), e.getMessage(), uri);
        if (e.audited()) return Uni.createFrom().item(answer);
        return audited(Caller.of(identity), request, e, answer);
    }

    /** Anyone can cause these: counted into periodic summary entries, not one chained row each. */
    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthorized(RuntimeException e, UriInfo uri, HttpServerRequest request) {
        summaries.count(
                Caller.ANONYMOUS,
                RequestLimits.source(request),
                "http " + request.method() + " " + request.path(),
                "denied",
                "401",
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
    public Uni<Response> validation(
            ConstraintViolationException e, UriInfo uri, HttpServerRequest request) {
        String detail =
                e.getConstraintViolations().stream()
                        .map(v -> lastNode(v.getPropertyPath().toString()) + ": " + v.getMessage())
                        .sorted()
                        .collect(Collectors.joining("; "));
        return refused(Refusal.invalid(detail), uri, request);
    }

    /**
     * The subclasses are named too: Quarkus has built-in mappers for them that answer with an empty
     * body.
     */
    @ServerExceptionMapper({
        JsonProcessingException.class,
        com.fasterxml.jackson.databind.exc.MismatchedInputException.class,
        com.fasterxml.jackson.core.JsonParseException.class,
        com.fasterxml.jackson.core.exc.StreamConstraintsException.class,
        com.fasterxml.jackson.databind.JsonMappingException.class
    })
    public Uni<Response> json(JsonProcessingException e, UriInfo uri, HttpServerRequest request) {
        return refused(Refusal.invalid("Malformed JSON", e.getOriginalMessage()), uri, request);
    }

    @ServerExceptionMapper
    public Uni<Response> web(WebApplicationException e, UriInfo uri, HttpServerRequest request) {
        if (e.getCause() instanceof JsonProcessingException j) return json(j, uri, request);
        int status = e.getResponse().getStatus();
        Response.Status known = Response.Status.fromStatusCode(status);
        return Uni.createFrom()
                .item(
                        respond(
                                status,
                                known == null ? "Error" : known.getReasonPhrase(),
                                e.getMessage(),
                                uri));
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e, UriInfo uri) {
        LOG.errorf(e, "unexpected failure on %s", uri.getPath());
        return respond(500, "Internal error", "the service failed; see its log", uri);
    }

    private Uni<Response> refused(Refusal r, UriInfo uri, HttpServerRequest request) {
        return audited(
                Caller.of(identity),
                request,
                r,
                respond(STATUS.get(r.kind()), r.title(), r.getMessage(), uri));
    }

    /**
     * Answers once the refusal's audit entry is committed; a failing audit turns the answer into a
     * 500.
     */
    private Uni<Response> audited(
            Caller caller, HttpServerRequest request, Refusal r, Response answer) {
        RefusalAudit.Subject subject =
                RefusalAudit.Subject.of("http " + request.method() + " " + request.path());
        return Uni.createFrom()
                .completionStage(() -> refusals.record(caller, subject, r))
                .map(x -> answer)
                .onFailure()
                .recoverWithItem(
                        ex -> {
                            LOG.errorf(ex, "could not audit a refused request");
                            return respond(
                                    500,
                                    "Internal error",
                                    "the refusal could not be audited",
                                    null);
                        });
    }

    private void auditDenied(Caller caller, HttpServerRequest request, int status, String why) {
        try {
            audit.append(
                    new AuditLog.Event(
                            caller,
                            "http " + request.method() + " " + request.path(),
                            null,
                            null,
                            null,
                            "denied",
                            String.valueOf(status),
                            why));
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
