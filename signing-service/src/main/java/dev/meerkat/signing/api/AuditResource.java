package dev.meerkat.signing.api;

import dev.meerkat.signing.audit.AuditEntry;
import dev.meerkat.signing.audit.AuditLog;
import dev.meerkat.signing.refusal.Refusal;
import dev.meerkat.signing.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * Pages through the hash-chained audit log: {@code after} is the last sequence number already seen.
 */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    /**
     * One page; {@code next} is the {@code after} value for the following page, absent at the end.
     */
    public record Page(List<AuditEntry> entries, Long next) {}

    @Inject AuditLog audit;

    @Inject dev.meerkat.signing.audit.RefusalSummaries summaries;

    @GET
    @RolesAllowed({Roles.AUDITOR, Roles.ADMIN})
    public Page page(
            @QueryParam("after") @DefaultValue("0") long after,
            @QueryParam("limit") @DefaultValue("500") int limit) {
        if (limit < 1 || limit > 5000) throw Refusal.invalid("limit must be 1..5000");
        if (after < 0) throw Refusal.invalid("after must be >= 0");
        summaries.flush().join();
        List<AuditEntry> entries = audit.page(after, limit);
        Long next = entries.size() < limit ? null : entries.get(entries.size() - 1).seq();
        return new Page(entries, next);
    }
}
