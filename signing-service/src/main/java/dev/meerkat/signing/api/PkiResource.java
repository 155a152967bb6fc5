package dev.meerkat.signing.api;

import dev.meerkat.signing.pki.CaService;
import dev.meerkat.signing.pki.CertificateService;
import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.security.Roles;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
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
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Device PKI: the CA hierarchy (administrators), device certificates from CSRs (factory stations),
 * inventory and revocation, and the CRL and OCSP responder that relying parties query without
 * credentials, as certificate status services are.
 */
@Path("/api/v1/pki")
@Produces(MediaType.APPLICATION_JSON)
public class PkiResource {
    static final String OCSP_REQUEST = "application/ocsp-request";
    static final String OCSP_RESPONSE = "application/ocsp-response";
    static final String PKIX_CRL = "application/pkix-crl";

    /** A CA key in the given backend (default: the PKI's or the service's default). */
    public record NewRoot(String backend) {}

    /**
     * A new issuing CA; {@code signerId} (0-65535) is the ID the chips' compressed certificates
     * carry.
     */
    public record NewIssuing(String backend, @NotNull Integer signerId) {}

    /** A PEM certificate to import or install. */
    public record CertificateUpload(@NotBlank String certificate) {}

    /** An issuing CA's CSR for the root to sign. */
    public record CaCsr(@NotBlank String csr, @NotNull Integer signerId) {}

    /**
     * A device's PKCS#10 request, PEM or base64 DER. {@code renew} (callers that are also
     * administrators) replaces the chip's earlier certificate instead of being refused with 409.
     */
    public record Csr(
            @NotBlank @jakarta.validation.constraints.Size(max = 16384) String csr,
            Boolean renew) {}

    /** Why a certificate is revoked (an RFC 5280 reason name). */
    public record Revocation(String reason) {}

    @Inject CaService cas;

    @Inject CertificateService certs;

    @Inject SecurityIdentity identity;

    @Inject CurrentIdentityAssociation association;

    @POST
    @Path("root")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    public Response createRoot(NewRoot req) {
        return Response.status(201)
                .entity(cas.createRoot(Caller.of(identity), req == null ? null : req.backend()))
                .build();
    }

    @POST
    @Path("root/import")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    public Response importRoot(@Valid @NotNull CertificateUpload req) {
        return Response.status(201)
                .entity(cas.importRoot(Caller.of(identity), req.certificate()))
                .build();
    }

    @POST
    @Path("root/sign")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    public Response signIssuingCsr(@Valid @NotNull CaCsr req) {
        return Response.ok(
                        new CertificateUpload(
                                cas.signIssuingCsr(Caller.of(identity), req.csr(), req.signerId())))
                .build();
    }

    @POST
    @Path("issuing-ca")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    public Response createIssuing(@Valid @NotNull NewIssuing req) {
        return Response.status(201)
                .entity(cas.createIssuing(Caller.of(identity), req.backend(), req.signerId()))
                .build();
    }

    @POST
    @Path("issuing-ca/certificate")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    public CaService.CaView installIssuing(@Valid @NotNull CertificateUpload req) {
        return cas.installIssuing(Caller.of(identity), req.certificate());
    }

    @GET
    @Path("cas")
    @RolesAllowed({Roles.ADMIN, Roles.AUDITOR, Roles.FACTORY_STATION})
    public List<CaService.CaView> listCas() {
        return cas.list();
    }

    /** The chain a device certificate is checked against: issuing CA then root, PEM. */
    @GET
    @Path("ca")
    @Produces("application/x-pem-file")
    @PermitAll
    public String chain() {
        CaService.Issuing i = cas.issuing();
        return i.certPem() + i.rootPem();
    }

    /**
     * A device certificate: 201, or 200 with the one issued before for the same request. With the
     * issuing CA cached, the CSR check and the signature run on the I/O thread, the inventory
     * transaction on a worker thread, and the answer leaves once the audit entry is committed, so
     * only the database work occupies worker threads; otherwise all of it runs on a worker thread.
     */
    @POST
    @Path("csr")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.FACTORY_STATION)
    public Uni<Response> issue(@Valid @NotNull Csr req) {
        Caller caller = Caller.of(association.getIdentity());
        boolean renew = Boolean.TRUE.equals(req.renew());
        CompletableFuture<CertificateService.Issued> now =
                certs.tryIssueNow(caller, req.csr(), renew);
        if (now != null) {
            Uni<CertificateService.Issued> u = Uni.createFrom().completionStage(now);
            Context ctx = Vertx.currentContext();
            if (ctx != null) u = u.emitOn(task -> ctx.runOnContext(v -> task.run()));
            return u.map(PkiResource::issued);
        }
        return Uni.createFrom()
                .item(() -> certs.issue(caller, req.csr(), renew))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .map(PkiResource::issued);
    }

    private static Response issued(CertificateService.Issued issued) {
        return Response.status(issued.existing() ? 200 : 201).entity(issued).build();
    }

    @GET
    @Path("certs")
    @RolesAllowed({Roles.ADMIN, Roles.AUDITOR, Roles.FACTORY_STATION})
    public List<CertificateService.CertView> list(
            @QueryParam("serial") String serial,
            @QueryParam("status") String status,
            @QueryParam("limit") @DefaultValue("1000") int limit) {
        return certs.list(Caller.of(identity), serial, status, limit);
    }

    @POST
    @Path("certs/{serial}/revoke")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    public CertificateService.CertView revoke(@PathParam("serial") String serial, Revocation req) {
        return certs.revoke(Caller.of(identity), serial, req == null ? null : req.reason());
    }

    @GET
    @Path("crl")
    @Produces(PKIX_CRL)
    @PermitAll
    public byte[] crl(io.vertx.core.http.HttpServerRequest http) {
        return certs.crl(Caller.of(identity), RequestLimits.source(http));
    }

    @POST
    @Path("ocsp")
    @Consumes(OCSP_REQUEST)
    @Produces(OCSP_RESPONSE)
    @PermitAll
    public byte[] ocspPost(byte[] request, io.vertx.core.http.HttpServerRequest http) {
        return certs.ocsp(Caller.of(identity), RequestLimits.source(http), request);
    }

    /** RFC 6960 appendix A.1: the request, base64 and URL-encoded, as the last path segment. */
    @GET
    @Path("ocsp/{request: .+}")
    @Produces(OCSP_RESPONSE)
    @PermitAll
    public byte[] ocspGet(
            @PathParam("request") String request, io.vertx.core.http.HttpServerRequest http) {
        byte[] der;
        try {
            der = Base64.getDecoder().decode(request.replace(' ', '+'));
        } catch (IllegalArgumentException e) {
            der = new byte[0];
        }
        return certs.ocsp(Caller.of(identity), RequestLimits.source(http), der);
    }
}
