package dev.meerkat.signing.api;

import dev.meerkat.signing.audit.RefusalSummaries;
import dev.meerkat.signing.security.Caller;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Bounds on what a request may cost before any resource sees it, decided from the headers alone: a
 * body limit per endpoint (an OCSP request is a few hundred bytes, a JSON command a few KB; only
 * the image and fw.zip uploads are large, and those are streamed to disk), 411 for a chunked body
 * where a limit applies, and a per-source rate for requests without credentials. Refusals here are
 * answered at once (413/411/429, problem+json, connection closed) without reading the body, and
 * counted into the audit summaries.
 */
@ApplicationScoped
public class RequestLimits {
    private static final int MAX_SOURCES = 10_000;

    @ConfigProperty(name = "meerkat.http.limits.ocsp-bytes", defaultValue = "8192")
    long ocspBytes;

    @ConfigProperty(name = "meerkat.http.limits.json-bytes", defaultValue = "262144")
    long jsonBytes;

    @ConfigProperty(name = "meerkat.upload.max-bytes", defaultValue = "1073741824")
    long uploadBytes;

    @ConfigProperty(name = "meerkat.http.anonymous-per-minute", defaultValue = "600")
    int anonymousPerMinute;

    @Inject RefusalSummaries summaries;

    private record Window(long minute, int count) {}

    private final Map<String, Window> anonymous = new ConcurrentHashMap<>();

    void install(@Observes Router router) {
        router.route().order(-1000).handler(this::check);
    }

    /** The source address a request came from, as audit summaries name it. */
    public static String source(HttpServerRequest request) {
        return request == null || request.remoteAddress() == null
                ? "unknown"
                : request.remoteAddress().host();
    }

    /** The body limit of an endpoint, in bytes. */
    long limit(String method, String path) {
        if (path.startsWith("/api/v1/sign/image") || path.startsWith("/api/v1/sign/fwzip"))
            return uploadBytes;
        if (path.startsWith("/api/v1/pki/ocsp")) return ocspBytes;
        return jsonBytes;
    }

    private void check(RoutingContext ctx) {
        HttpServerRequest r = ctx.request();
        if (r.getHeader(HttpHeaders.AUTHORIZATION) == null
                && !r.isSSL()
                && !allowAnonymous(source(r))) {
            refuse(
                    ctx,
                    429,
                    "Too many requests",
                    "more than "
                            + anonymousPerMinute
                            + " requests a minute without credentials from "
                            + source(r));
            return;
        }
        long limit = limit(r.method().name(), r.path());
        String length = r.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                refuse(ctx, 400, "Invalid request", "Content-Length is not a number");
                return;
            }
            if (n > limit) {
                refuse(
                        ctx,
                        413,
                        "Body too large",
                        r.path() + " accepts at most " + limit + " bytes, got " + n);
                return;
            }
        } else if (r.getHeader(HttpHeaders.TRANSFER_ENCODING) != null && limit < uploadBytes) {
            refuse(
                    ctx,
                    411,
                    "Length required",
                    r.path() + " needs a Content-Length (at most " + limit + " bytes)");
            return;
        }
        ctx.next();
    }

    private boolean allowAnonymous(String source) {
        long minute = System.currentTimeMillis() / 60_000;
        if (anonymous.size() > MAX_SOURCES) anonymous.clear();
        Window w =
                anonymous.merge(
                        source,
                        new Window(minute, 1),
                        (old, one) ->
                                old.minute() == minute ? new Window(minute, old.count() + 1) : one);
        return w.count() <= anonymousPerMinute;
    }

    private void refuse(RoutingContext ctx, int status, String title, String detail) {
        HttpServerRequest r = ctx.request();
        summaries.count(
                Caller.ANONYMOUS,
                source(r),
                "http " + r.method() + " " + r.path(),
                "refused",
                String.valueOf(status),
                detail);
        String body =
                "{\"type\":\"about:blank\",\"title\":\""
                        + title
                        + "\",\"status\":"
                        + status
                        + ",\"detail\":\""
                        + detail.replace("\\", "\\\\").replace("\"", "\\\"")
                        + "\",\"instance\":\""
                        + r.path().replace("\\", "\\\\").replace("\"", "\\\"")
                        + "\"}";
        ctx.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end(body);
    }
}
