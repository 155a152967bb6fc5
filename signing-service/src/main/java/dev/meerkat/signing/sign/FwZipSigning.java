package dev.meerkat.signing.sign;

import dev.meerkat.fwzip.FwBundle;
import dev.meerkat.fwzip.FwBundleWriter;
import dev.meerkat.fwzip.FwSignature;
import dev.meerkat.fwzip.FwZipException;
import dev.meerkat.signing.audit.AuditLog;
import dev.meerkat.signing.audit.RefusalAudit;
import dev.meerkat.signing.keys.BackendKeyRef;
import dev.meerkat.signing.keys.KeyRecord;
import dev.meerkat.signing.keys.KeyService;
import dev.meerkat.signing.refusal.Refusal;
import dev.meerkat.signing.security.Caller;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.OptionalInt;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Signs a Mongoose OS fw.zip: the bundle is spooled to a temporary file, its parts are checked
 * against the manifest, and an ECDSA P-256 signature of the manifest is added in the next free (or
 * the given) slot, as {@code mos} does.
 */
@ApplicationScoped
public class FwZipSigning {
    static final String ACTION = "sign.fwzip";

    /** The signed bundle in a temporary directory; close deletes it. */
    public record SignedBundle(Path file, long size, int slot, String manifestHash)
            implements AutoCloseable {
        @Override
        public void close() throws IOException {
            Files.deleteIfExists(file);
            Files.deleteIfExists(file.getParent());
        }
    }

    @Inject KeyService keys;

    @Inject AuditLog audit;

    @Inject RefusalAudit refusals;

    @ConfigProperty(name = "meerkat.upload.max-bytes", defaultValue = "1073741824")
    long maxBytes;

    public SignedBundle sign(
            Caller caller, String keyId, Integer slot, InputStream body, Long contentLength) {
        return refusals.guard(
                caller,
                new RefusalAudit.Subject(ACTION, keyId, null, null),
                () -> {
                    if (keyId == null || keyId.isBlank())
                        throw Refusal.invalid("query parameter keyId is required");
                    KeyService.checkId(keyId);
                    Uploads.checkDeclared(contentLength, maxBytes, "bundle");
                    KeyRecord k = keys.cached(keyId);
                    KeyUsePolicy.requireMayUse(caller, k);
                    KeyService.requireSigning(k);
                    if (k.production()) {
                        throw Refusal.conflict(
                                "Approval required",
                                "production key '"
                                        + keyId
                                        + "' signs digests only, after approval (POST /api/v1/sign/digest)");
                    }
                    if (!"ecdsa-p256".equals(k.type())) {
                        throw Refusal.conflict(
                                "Wrong key type",
                                "fw.zip signatures need an ecdsa-p256 key; '"
                                        + keyId
                                        + "' is "
                                        + k.type());
                    }
                    Path file = null;
                    try {
                        file = Files.createTempDirectory("meerkat-fwzip").resolve("fw.zip");
                        Uploads.spool(body, file, contentLength);
                        FwSignature sig;
                        String manifestHash;
                        try {
                            sig =
                                    FwBundleWriter.addSignature(
                                            file,
                                            new BackendKeyRef(
                                                    keys.backendOf(k), k.current().alias()),
                                            slot == null
                                                    ? OptionalInt.empty()
                                                    : OptionalInt.of(slot));
                            try (FwBundle b = FwBundle.open(file)) {
                                manifestHash =
                                        HexFormat.of()
                                                .formatHex(
                                                        MessageDigest.getInstance("SHA-256")
                                                                .digest(b.manifestBytes()));
                            }
                        } catch (FwZipException e) {
                            throw Refusal.unprocessable("Malformed fw.zip", e.getMessage());
                        } catch (NoSuchAlgorithmException e) {
                            throw new IllegalStateException(e);
                        }
                        audit.append(
                                new AuditLog.Event(
                                        caller,
                                        ACTION,
                                        k.id(),
                                        k.currentVersion(),
                                        "sha256:" + manifestHash,
                                        "allowed",
                                        "signed",
                                        "manifest signature slot " + sig.slot()));
                        SignedBundle signed =
                                new SignedBundle(file, Files.size(file), sig.slot(), manifestHash);
                        file = null;
                        return signed;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } finally {
                        if (file != null) {
                            try {
                                Files.deleteIfExists(file);
                                Files.deleteIfExists(file.getParent());
                            } catch (IOException ignored) {
                                // a temporary file; the OS cleans its temp directory
                            }
                        }
                    }
                });
    }
}
