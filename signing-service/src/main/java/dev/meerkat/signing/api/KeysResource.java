package dev.meerkat.signing.api;

import dev.meerkat.image.VerificationKey;
import dev.meerkat.signing.keys.KeyRecord;
import dev.meerkat.signing.keys.KeyService;
import dev.meerkat.signing.refusal.Refusal;
import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Key management: administrators create and change keys; every role may read public keys. */
@Path("/api/v1/keys")
@Produces(MediaType.APPLICATION_JSON)
public class KeysResource {

    /** A new key. {@code approvals} (M) applies to production keys only. */
    public record CreateKey(
            @NotBlank
                    @Pattern(
                            regexp = "[a-z0-9][a-z0-9._-]{0,63}",
                            message = "must be 1-64 of a-z 0-9 . _ -, starting alphanumeric")
                    String id,
            @NotBlank String type,
            String purpose,
            Boolean production,
            Integer approvals,
            String backend,
            String description) {}

    /** Why a key is marked compromised. */
    public record Compromise(String reason) {}

    @Inject KeyService keys;

    @Inject SecurityIdentity identity;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    public Response create(@Valid @NotNull CreateKey req) {
        KeyRecord k =
                keys.create(
                        Caller.of(identity),
                        new KeyService.Spec(
                                req.id(),
                                req.type(),
                                req.purpose(),
                                req.production(),
                                req.approvals(),
                                req.backend(),
                                req.description()));
        return Response.status(201).entity(k).build();
    }

    @GET
    @RolesAllowed({
        Roles.ADMIN,
        Roles.RELEASE_ENGINEER,
        Roles.CI_PIPELINE,
        Roles.APPROVER,
        Roles.FACTORY_STATION,
        Roles.AUDITOR
    })
    public List<KeyRecord> list() {
        return keys.list();
    }

    @GET
    @Path("{id}")
    @RolesAllowed({
        Roles.ADMIN,
        Roles.RELEASE_ENGINEER,
        Roles.CI_PIPELINE,
        Roles.APPROVER,
        Roles.FACTORY_STATION,
        Roles.AUDITOR
    })
    public KeyRecord show(@PathParam("id") String id) {
        return keys.require(id);
    }

    /** The public key as PEM, MCUboot KEYHASH (hex) or a C array for the bootloader. */
    @GET
    @Path("{id}/public")
    @Produces({MediaType.TEXT_PLAIN, MediaType.APPLICATION_JSON})
    @RolesAllowed({
        Roles.ADMIN,
        Roles.RELEASE_ENGINEER,
        Roles.CI_PIPELINE,
        Roles.APPROVER,
        Roles.FACTORY_STATION,
        Roles.AUDITOR
    })
    public Response publicKey(
            @PathParam("id") String id,
            @QueryParam("format") @DefaultValue("pem") String format,
            @QueryParam("version") Integer version) {
        KeyRecord k = keys.require(id);
        KeyRecord.Version v = version == null ? k.current() : k.version(version);
        if (v == null)
            throw Refusal.notFound(
                    "Unknown key version", "key '" + id + "' has no version " + version);
        VerificationKey vk = VerificationKey.fromPem(v.publicPem());
        String body =
                switch (format) {
                    case "pem" -> vk.toPem();
                    case "keyhash" -> vk.keyHashHex() + "\n";
                    case "c" -> vk.toCArray("Public key exported by the Meerkat signing service.");
                    default -> throw Refusal.invalid("format must be pem, keyhash or c");
                };
        return Response.ok(body.getBytes(StandardCharsets.US_ASCII), MediaType.TEXT_PLAIN)
                .header("X-Key-Version", v.version())
                .header("X-Key-Hash", v.keyHash())
                .build();
    }

    @POST
    @Path("{id}/rotate")
    @RolesAllowed(Roles.ADMIN)
    public KeyRecord rotate(@PathParam("id") String id) {
        return keys.rotate(Caller.of(identity), id);
    }

    @POST
    @Path("{id}/retire")
    @RolesAllowed(Roles.ADMIN)
    public KeyRecord retire(@PathParam("id") String id) {
        return keys.retire(Caller.of(identity), id);
    }

    @POST
    @Path("{id}/compromised")
    @RolesAllowed(Roles.ADMIN)
    public KeyRecord compromised(@PathParam("id") String id, Compromise body) {
        return keys.compromised(Caller.of(identity), id, body == null ? null : body.reason());
    }
}
