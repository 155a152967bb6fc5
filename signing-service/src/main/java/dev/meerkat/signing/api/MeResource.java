package dev.meerkat.signing.api;

import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * Who the service takes the caller for: clients check their roles before starting irreversible
 * work.
 */
@Path("/api/v1/me")
@Produces(MediaType.APPLICATION_JSON)
public class MeResource {

    /** The caller's name and roles as the audit log records them. */
    public record Me(String name, List<String> roles) {}

    @Inject SecurityIdentity identity;

    @GET
    @RolesAllowed({
        Roles.ADMIN,
        Roles.RELEASE_ENGINEER,
        Roles.CI_PIPELINE,
        Roles.APPROVER,
        Roles.FACTORY_STATION,
        Roles.AUDITOR
    })
    public Me me() {
        Caller c = Caller.of(identity);
        return new Me(c.name(), c.roles().isEmpty() ? List.of() : List.of(c.roles().split(",")));
    }
}
