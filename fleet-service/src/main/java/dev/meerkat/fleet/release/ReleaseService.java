package dev.meerkat.fleet.release;

import dev.meerkat.fleet.FleetConfig;
import dev.meerkat.fleet.audit.AuditLog;
import dev.meerkat.fleet.device.DeviceIds;
import dev.meerkat.fleet.refusal.Refusal;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * Release upload: the body is spooled to a private temporary file (never more than the configured
 * limit), verified, stored in the object store under a content-addressed key, and only then
 * recorded (row and audit entry in one transaction). A refused upload leaves nothing behind.
 */
@ApplicationScoped
public class ReleaseService {

    @Inject Database db;

    @Inject ReleaseRepository releases;

    @Inject ReleaseVerifier verifier;

    @Inject ObjectStore store;

    @Inject AuditLog audit;

    @Inject FleetConfig config;

    public Release upload(Caller caller, String id, String expectedPlatform, InputStream body)
            throws IOException {
        if (id != null) DeviceIds.name("release id", id);
        if (expectedPlatform != null) DeviceIds.name("platform", expectedPlatform);
        Path spool = Files.createDirectories(config.dataDir().resolve("spool"));
        Path tmp = Files.createTempFile(spool, "release", ".bin");
        try {
            MessageDigest sha = digest("SHA-256");
            MessageDigest sha1 = digest("SHA-1");
            MessageDigest md5 = digest("MD5");
            long size;
            try (OutputStream out =
                    new DigestOutputStream(
                            new DigestOutputStream(
                                    new DigestOutputStream(Files.newOutputStream(tmp), sha), sha1),
                            md5)) {
                size = copyBounded(body, out, config.upload().maxBytes());
            }
            String digest = HexFormat.of().formatHex(sha.digest());
            ReleaseVerifier.Verified v = verifier.verify(tmp, expectedPlatform);
            String releaseId = id != null ? id : v.platform() + "-" + v.version().replace('+', '.');
            DeviceIds.name("release id", releaseId);
            if (db.tx(c -> releases.find(c, releaseId)).isPresent()) {
                throw Refusal.conflict("Release exists", "release " + releaseId + " exists");
            }
            String key = "releases/" + digest;
            store.put(key, tmp);
            Release r =
                    new Release(
                            releaseId,
                            v.format(),
                            v.version(),
                            v.securityCounter(),
                            v.platform(),
                            size,
                            digest,
                            HexFormat.of().formatHex(sha1.digest()),
                            HexFormat.of().formatHex(md5.digest()),
                            v.imageHash() == null ? digest : v.imageHash(),
                            v.signerKeyHash(),
                            key,
                            Instant.now(),
                            caller.name());
            return db.tx(
                    c -> {
                        if (releases.find(c, releaseId).isPresent()) {
                            throw Refusal.conflict(
                                    "Release exists", "release " + releaseId + " exists");
                        }
                        releases.insert(c, r);
                        audit.record(
                                c,
                                caller,
                                "release.upload",
                                releaseId,
                                "version="
                                        + r.version()
                                        + " platform="
                                        + r.platform()
                                        + " sha256="
                                        + digest
                                        + " signer="
                                        + r.signerKeyHash());
                        return r;
                    });
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public Release get(String id) {
        return db.tx(c -> releases.find(c, id))
                .orElseThrow(() -> Refusal.notFound("Release", "no release " + id));
    }

    public List<Release> all() {
        return db.tx(releases::all);
    }

    private static long copyBounded(InputStream in, OutputStream out, long max) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            total += n;
            if (total > max) {
                throw Refusal.tooLarge(
                        "Payload too large", "a release may be at most " + max + " bytes");
            }
            out.write(buf, 0, n);
        }
        if (total == 0) throw Refusal.badRequest("empty body: send the signed image or fw.zip");
        return total;
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
