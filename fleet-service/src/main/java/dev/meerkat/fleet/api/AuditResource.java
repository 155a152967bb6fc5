package dev.meerkat.fleet.api;

import dev.meerkat.fleet.audit.AuditLog;
import dev.meerkat.fleet.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * Pages through the hash-chained audit trail, oldest first: {@code after} is the last sequence
 * number already seen. Same shape as the signing service's, so {@code meerkat audit} reads both.
 */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    /**
     * One page; {@code next} is the {@code after} value for the following page, absent at the end.
     */
    public record Page(List<AuditLog.Entry> entries, Long next) {}

    @Inject AuditLog audit;

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.VIEWER})
    public Page page(
            @QueryParam("after") @DefaultValue("0") @Min(0) long after,
            @QueryParam("limit") @DefaultValue("500") @Min(1) @Max(5000) int limit) {
        List<AuditLog.Entry> entries = audit.page(after, limit);
        Long next = entries.size() < limit ? null : entries.get(entries.size() - 1).seq();
        return new Page(entries, next);
    }
}
