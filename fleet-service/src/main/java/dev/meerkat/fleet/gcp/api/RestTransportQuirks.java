package dev.meerkat.fleet.gcp.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import java.net.URI;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * What HTTP clients do to the IoT Core REST paths before they reach the resource, undone here for
 * {@code /v1/projects/...} only: Google's Java transport cannot send PATCH and POSTs with {@code
 * X-HTTP-Method-Override: PATCH}; some clients percent-encode the colon of a custom verb ({@code
 * devices/d%3AmodifyCloudToDeviceConfig}).
 */
public class RestTransportQuirks {
    @ServerRequestFilter(preMatching = true)
    public void undo(ContainerRequestContext ctx) {
        URI uri = ctx.getUriInfo().getRequestUri();
        String raw = uri.getRawPath();
        if (raw == null || !raw.startsWith("/v1/projects/")) return;
        if ("POST".equals(ctx.getMethod())
                && "PATCH".equalsIgnoreCase(ctx.getHeaderString("X-HTTP-Method-Override"))) {
            ctx.setMethod("PATCH");
        }
        if (raw.contains("%3A") || raw.contains("%3a")) {
            String path = raw.replace("%3A", ":").replace("%3a", ":");
            String query = uri.getRawQuery();
            ctx.setRequestUri(
                    URI.create(
                            uri.getScheme()
                                    + "://"
                                    + uri.getRawAuthority()
                                    + path
                                    + (query == null ? "" : "?" + query)));
        }
    }
}
