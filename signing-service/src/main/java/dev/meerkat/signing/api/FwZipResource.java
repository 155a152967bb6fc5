package dev.meerkat.signing.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.OptionalInt;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.meerkat.fwzip.FwBundle;
import dev.meerkat.fwzip.FwBundleWriter;
import dev.meerkat.fwzip.FwSignature;
import dev.meerkat.fwzip.FwZipException;
import dev.meerkat.signing.audit.AuditLog;
import dev.meerkat.signing.keys.BackendKeyRef;
import dev.meerkat.signing.keys.KeyRecord;
import dev.meerkat.signing.keys.KeyService;
import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.security.Roles;
import dev.meerkat.signing.signing.SigningService;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * Signs a Mongoose OS fw.zip: the bundle is uploaded, its parts are checked against the manifest,
 * and an ECDSA P-256 signature of the manifest is added in the next free (or the given) slot, as
 * {@code mos} does. The bundle is spooled to a temporary file and deleted after the answer.
 */
@Path("/api/v1/sign/fwzip")
public class FwZipResource {

    @Inject
    KeyService keys;

    @Inject
    AuditLog audit;

    @Inject
    SecurityIdentity identity;

    @ConfigProperty(name = "meerkat.upload.max-bytes", defaultValue = "1073741824")
    long maxBytes;

    @POST
    @Consumes({"application/zip", MediaType.APPLICATION_OCTET_STREAM})
    @Produces("application/zip")
    @RolesAllowed({Roles.RELEASE_ENGINEER, Roles.CI_PIPELINE})
    public Response sign(InputStream body, @HeaderParam("Content-Length") Long contentLength,
                         @QueryParam("keyId") String keyId, @QueryParam("slot") Integer slot) throws IOException {
        Caller caller = Caller.of(identity);
        java.nio.file.Path file = null;
        try {
            if (keyId == null || keyId.isBlank()) throw ProblemException.badRequest("query parameter keyId is required");
            if (contentLength == null) throw new ProblemException(411, "Length required", "send a Content-Length header");
            if (contentLength > maxBytes) {
                throw new ProblemException(413, "Upload too large", "bundles are limited to " + maxBytes + " bytes");
            }
            KeyRecord k = keys.cached(keyId);
            SigningService.requireMayUse(identity, k);
            KeyService.requireSigning(k);
            if (k.production()) {
                throw ProblemException.conflict("Approval required", "production key '" + keyId
                        + "' signs digests only, after approval (POST /api/v1/sign/digest)");
            }
            if (!"ecdsa-p256".equals(k.type())) {
                throw ProblemException.conflict("Wrong key type", "fw.zip signatures need an ecdsa-p256 key; '" + keyId
                        + "' is " + k.type());
            }
            java.nio.file.Path dir = Files.createTempDirectory("meerkat-fwzip");
            file = dir.resolve("fw.zip");
            long got = 0;
            try (OutputStream o = Files.newOutputStream(file)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = body.read(buf)) > 0) {
                    got += n;
                    if (got > contentLength) throw ProblemException.badRequest("the upload is longer than its Content-Length");
                    o.write(buf, 0, n);
                }
            }
            if (got != contentLength) throw ProblemException.badRequest("the upload ended after " + got + " bytes");
            FwSignature sig;
            String manifestHash;
            try {
                sig = FwBundleWriter.addSignature(file, new BackendKeyRef(keys.backendOf(k), k.current().alias()),
                        slot == null ? OptionalInt.empty() : OptionalInt.of(slot));
                try (FwBundle b = FwBundle.open(file)) {
                    manifestHash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.manifestBytes()));
                }
            } catch (FwZipException e) {
                throw new ProblemException(422, "Malformed fw.zip", e.getMessage());
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            audit.append(new AuditLog.Event(caller, "sign.fwzip", k.id(), k.currentVersion(), "sha256:" + manifestHash,
                    "allowed", "signed", "manifest signature slot " + sig.slot()));
            java.nio.file.Path signed = file;
            file = null;
            long size = Files.size(signed);
            StreamingOutput stream = o -> {
                try {
                    Files.copy(signed, o);
                } finally {
                    Files.deleteIfExists(signed);
                    Files.deleteIfExists(signed.getParent());
                }
            };
            return Response.ok(stream, "application/zip").header("Content-Length", size)
                    .header("X-Signature-Slot", sig.slot()).header("X-Manifest-Digest", manifestHash).build();
        } catch (ProblemException e) {
            audit.append(new AuditLog.Event(caller, "sign.fwzip", keyId, null, null,
                    e.status() == 403 ? "denied" : "refused", String.valueOf(e.status()), e.title() + ": " + e.getMessage()));
            throw e;
        } finally {
            if (file != null) {
                Files.deleteIfExists(file);
                Files.deleteIfExists(file.getParent());
            }
        }
    }
}
