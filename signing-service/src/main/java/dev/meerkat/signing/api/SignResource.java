package dev.meerkat.signing.api;

import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.security.Roles;
import dev.meerkat.signing.sign.SignResult;
import dev.meerkat.signing.sign.SigningService;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.concurrent.CompletableFuture;

/** Digest signing: the image stays on the build machine, only its SHA-256/384 travels. */
@Path("/api/v1/sign")
@Produces(MediaType.APPLICATION_JSON)
public class SignResource {

    /**
     * {@code digest} in hex; {@code algorithm} sha256 (default) or sha384; {@code keyVersion} pins
     * the version; {@code fileName}, {@code imageVersion}, {@code imageSize} tell approvers what
     * they approve (production keys).
     */
    public record DigestBody(
            @NotBlank String keyId,
            Integer keyVersion,
            @Size(max = 16) String algorithm,
            @NotBlank @Size(max = 128) String digest,
            @Size(max = 255) String fileName,
            @Size(max = 64) String imageVersion,
            @PositiveOrZero Long imageSize) {}

    @Inject SigningService signing;

    @Inject SecurityIdentity identity;

    @Inject CurrentIdentityAssociation association;

    /**
     * 200 with the signature, or 202 with a pending request for a production key. A key in the
     * signing cache signs right here on the I/O thread (a few hundred microseconds of CPU, no
     * blocking) and the answer is sent when the audit entry is committed; this keeps the number of
     * busy threads at the number of event loops instead of one per client. Anything that needs the
     * database first runs on a worker thread.
     */
    @POST
    @Path("digest")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.RELEASE_ENGINEER, Roles.CI_PIPELINE, Roles.FACTORY_STATION})
    public Uni<Response> digest(@Valid @NotNull DigestBody body) {
        SecurityIdentity who = association.getIdentity();
        Caller caller = Caller.of(who);
        SigningService.DigestRequest req =
                new SigningService.DigestRequest(
                        body.keyId(),
                        body.keyVersion(),
                        body.algorithm(),
                        body.digest(),
                        body.fileName(),
                        body.imageVersion(),
                        body.imageSize());
        CompletableFuture<SignResult> now = signing.trySignDigestNow(caller, req);
        if (now != null) {
            Uni<SignResult> u = Uni.createFrom().completionStage(now);
            Context ctx = Vertx.currentContext();
            if (ctx != null) u = u.emitOn(task -> ctx.runOnContext(v -> task.run()));
            return u.map(SignResource::response);
        }
        return Uni.createFrom()
                .item(() -> signing.signDigest(caller, req))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .map(SignResource::response);
    }

    private static Response response(SignResult r) {
        return Response.status("pending".equals(r.state()) ? 202 : 200).entity(r).build();
    }
}
