package dev.meerkat.fleet.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses an oversized body from its Content-Length before anything reads it: 1 MiB for JSON, 16
 * MiB for a provisioning journal; release uploads are bounded by {@code
 * meerkat.fleet.upload.max-bytes} while they stream, and every body by {@code
 * quarkus.http.limits.max-body-size}.
 */
public class BodyLimits {
    static final long JSON_MAX = 1 << 20;
    static final long JOURNAL_MAX = 16L << 20;

    @ServerRequestFilter(preMatching = true)
    public Response limit(ContainerRequestContext ctx) {
        int length = ctx.getLength();
        if (length < 0) return null;
        String path = ctx.getUriInfo().getPath();
        if (path.startsWith("/api/v1/releases") && "POST".equals(ctx.getMethod())) return null;
        long max = path.startsWith("/api/v1/devices/import") ? JOURNAL_MAX : JSON_MAX;
        if (length > max) {
            return ProblemMappers.respond(
                    413,
                    "Payload too large",
                    "this request body may be at most " + max + " bytes",
                    null);
        }
        return null;
    }
}
