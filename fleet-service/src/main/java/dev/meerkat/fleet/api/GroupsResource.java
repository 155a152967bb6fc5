package dev.meerkat.fleet.api;

import dev.meerkat.fleet.group.Group;
import dev.meerkat.fleet.group.GroupFilter;
import dev.meerkat.fleet.group.GroupService;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/** Static and dynamic device groups. */
@Path("/api/v1/groups")
@Produces(MediaType.APPLICATION_JSON)
public class GroupsResource {

    public record CreateBody(String name, String filter, List<String> members) {}

    public record MembersBody(List<String> add, List<String> remove) {}

    /** A group as the API shows it: kind, filter text and current members. */
    public record GroupView(String name, String kind, String filter, List<String> members) {
        static GroupView of(Group g, List<String> members) {
            return new GroupView(
                    g.name(),
                    g.kind().name().toLowerCase(java.util.Locale.ROOT),
                    g.filter().map(GroupFilter::text).orElse(null),
                    members);
        }
    }

    @Inject GroupService groups;

    @Inject SecurityIdentity identity;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR, Roles.RELEASE_MANAGER})
    public Response create(@NotNull CreateBody b) {
        Group g = groups.create(Caller.of(identity), b.name(), b.filter(), b.members());
        return Response.status(201)
                .entity(GroupView.of(g, groups.currentMembers(g.name())))
                .build();
    }

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.RELEASE_MANAGER, Roles.OPERATOR, Roles.VIEWER})
    public List<GroupView> list() {
        return groups.all().stream()
                .map(g -> GroupView.of(g, groups.currentMembers(g.name())))
                .toList();
    }

    @GET
    @Path("{name}")
    @RolesAllowed({Roles.ADMIN, Roles.RELEASE_MANAGER, Roles.OPERATOR, Roles.VIEWER})
    public GroupView show(@PathParam("name") String name) {
        return GroupView.of(groups.get(name), groups.currentMembers(name));
    }

    @POST
    @Path("{name}/members")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR, Roles.RELEASE_MANAGER})
    public GroupView members(@PathParam("name") String name, @NotNull MembersBody b) {
        groups.changeMembers(Caller.of(identity), name, b.add(), b.remove());
        return show(name);
    }
}
