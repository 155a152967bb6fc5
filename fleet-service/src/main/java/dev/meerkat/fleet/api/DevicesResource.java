package dev.meerkat.fleet.api;

import dev.meerkat.fleet.deploy.Execution;
import dev.meerkat.fleet.deploy.ExecutionRepository;
import dev.meerkat.fleet.device.Device;
import dev.meerkat.fleet.device.DeviceService;
import dev.meerkat.fleet.refusal.Refusal;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.security.Roles;
import dev.meerkat.fleet.store.Database;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;

/** The device registry. */
@Path("/api/v1/devices")
@Produces(MediaType.APPLICATION_JSON)
public class DevicesResource {

    public record RegisterBody(
            String id,
            String certFingerprint,
            String chipSerial,
            String token,
            Map<String, String> attributes,
            String protocol) {}

    /** A device with its recent executions. */
    public record DeviceDetail(Device device, List<Execution> executions) {}

    @Inject DeviceService devices;

    @Inject ExecutionRepository executions;

    @Inject Database db;

    @Inject SecurityIdentity identity;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR})
    public Response register(@NotNull RegisterBody b) {
        Device d =
                devices.register(
                        Caller.of(identity),
                        new DeviceService.Registration(
                                b.id(),
                                b.certFingerprint(),
                                b.chipSerial(),
                                b.token(),
                                b.attributes(),
                                b.protocol()));
        return Response.status(201).entity(d).build();
    }

    /**
     * Body: the JSON lines of {@code meerkat provision --log}; {@code attr=k=v} query values apply
     * to all, {@code protocol} (http, ddi, mqtt) says how the devices are reached.
     */
    @POST
    @Path("import")
    @Consumes({MediaType.TEXT_PLAIN, "application/x-ndjson", "application/jsonl"})
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR})
    public DeviceService.ImportResult importJournal(
            String journal,
            @QueryParam("attr") List<String> attrs,
            @QueryParam("protocol") String protocol) {
        Map<String, String> m = new java.util.TreeMap<>();
        for (String a : attrs) {
            int eq = a.indexOf('=');
            if (eq <= 0) throw Refusal.badRequest("attr must be key=value, not " + a);
            m.put(a.substring(0, eq), a.substring(eq + 1));
        }
        return devices.importJournal(
                Caller.of(identity), journal == null ? "" : journal, m, protocol);
    }

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.RELEASE_MANAGER, Roles.OPERATOR, Roles.VIEWER})
    public List<Device> list(
            @QueryParam("after") String after,
            @QueryParam("limit") @DefaultValue("500") @Min(1) @Max(5000) int limit) {
        return devices.page(after, limit);
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Roles.ADMIN, Roles.RELEASE_MANAGER, Roles.OPERATOR, Roles.VIEWER})
    public DeviceDetail show(@PathParam("id") String id) {
        Device d = devices.get(id);
        return new DeviceDetail(d, db.tx(c -> executions.ofDevice(c, id)));
    }

    @PUT
    @Path("{id}/attributes")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ADMIN, Roles.OPERATOR})
    public Device attributes(@PathParam("id") String id, @NotNull Map<String, String> attrs) {
        return devices.setAttributes(Caller.of(identity), id, attrs);
    }
}
