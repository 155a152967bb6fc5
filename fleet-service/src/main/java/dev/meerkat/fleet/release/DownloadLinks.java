package dev.meerkat.fleet.release;

import dev.meerkat.fleet.FleetConfig;
import dev.meerkat.fleet.store.RecentlyUsed;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-limited download URLs for devices that fetch a release by URL alone (mg_rpc OTA.Update): the
 * object store's presigned URL when it has one, otherwise this service's own {@code
 * /api/v1/downloads/{release}?expires=…&sig=…}, signed with HMAC-SHA256 under a key kept in the
 * data directory (0600).
 *
 * <p>A link names the release, not the device, so one link serves every device told in the same
 * minute: it is made again once a tenth of its lifetime (at most a minute) has passed, and a device
 * always gets at least nine tenths of {@code presign-ttl}. Presigning through the AWS SDK costs
 * about as much CPU as everything else in telling a device, which made it the bound on how fast a
 * large phase starts.
 */
@ApplicationScoped
public class DownloadLinks {

    @Inject FleetConfig config;

    @Inject ObjectStore store;

    /** The time links are made and checked at (a test moves it). */
    java.time.Clock clock = java.time.Clock.systemUTC();

    private byte[] key;

    /** A link made at {@code at}; reused until {@link #reuseFor} has passed. */
    private record Link(URI uri, Instant at) {}

    /** The latest link per release (the most recently used releases). */
    private final RecentlyUsed<String, Link> recent = new RecentlyUsed<>(64);

    @PostConstruct
    void init() {
        Path file = config.dataDir().resolve("download-link.key");
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                byte[] k = new byte[32];
                new SecureRandom().nextBytes(k);
                Path tmp = Files.createTempFile(file.getParent(), ".key", ".tmp");
                try {
                    Files.setPosixFilePermissions(
                            tmp, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX file system
                }
                Files.writeString(tmp, HexFormat.of().formatHex(k));
                try {
                    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    Files.deleteIfExists(tmp);
                }
            }
            key =
                    HexFormat.of()
                            .parseHex(Files.readString(file, StandardCharsets.US_ASCII).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file, e);
        }
    }

    public URI urlFor(Release r) {
        Instant now = clock.instant();
        Link l = recent.get(r.id());
        if (l != null && !now.isAfter(l.at().plus(reuseFor()))) return l.uri();
        URI made = make(r);
        recent.put(r.id(), new Link(made, now));
        return made;
    }

    private java.time.Duration reuseFor() {
        java.time.Duration tenth = config.storage().presignTtl().dividedBy(10);
        return tenth.compareTo(java.time.Duration.ofMinutes(1)) < 0
                ? tenth
                : java.time.Duration.ofMinutes(1);
    }

    private URI make(Release r) {
        return store.presign(r.objectKey())
                .orElseGet(
                        () -> {
                            long expires =
                                    clock.instant()
                                            .plus(config.storage().presignTtl())
                                            .getEpochSecond();
                            return URI.create(
                                    config.publicUrl().replaceAll("/$", "")
                                            + "/api/v1/downloads/"
                                            + r.id()
                                            + "?expires="
                                            + expires
                                            + "&sig="
                                            + sign(r.id(), expires));
                        });
    }

    /**
     * True when {@code sig} is ours for this release and has not expired (constant-time
     * comparison).
     */
    public boolean valid(String releaseId, long expires, String sig) {
        if (sig == null || clock.instant().getEpochSecond() > expires) return false;
        return MessageDigest.isEqual(
                sign(releaseId, expires).getBytes(StandardCharsets.US_ASCII),
                sig.getBytes(StandardCharsets.US_ASCII));
    }

    private String sign(String releaseId, long expires) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of()
                    .formatHex(
                            mac.doFinal(
                                    (releaseId + "\n" + expires).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
