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

/** The audit trail, oldest first, paged by sequence number. */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    @Inject AuditLog audit;

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.VIEWER})
    public List<AuditLog.Entry> page(
            @QueryParam("after") @DefaultValue("0") long after,
            @QueryParam("limit") @DefaultValue("500") @Min(1) @Max(5000) int limit) {
        return audit.page(after, limit);
    }
}
