package dev.meerkat.signing.keys;

import dev.meerkat.image.KeyType;
import dev.meerkat.image.VerificationKey;
import dev.meerkat.signing.audit.AuditLog;
import dev.meerkat.signing.refusal.Refusal;
import dev.meerkat.signing.security.Caller;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.security.PublicKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Key lifecycle: create, rotate, retire, mark compromised; every change is audited. */
@ApplicationScoped
public class KeyService {
    private static final org.jboss.logging.Logger LOG =
            org.jboss.logging.Logger.getLogger(KeyService.class);
    public static final Set<String> PURPOSES = KeyPurpose.ASSIGNABLE;
    public static final Set<String> TYPES =
            Set.of("ecdsa-p256", "ecdsa-p384", "ed25519", "rsa-2048", "rsa-3072");

    /**
     * Storage limits of a key (see the V1 migration): checked before anything is generated or
     * stored.
     */
    public static final int MAX_ID = 64;

    public static final int MAX_DESCRIPTION = 500;
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final long CACHE_MILLIS = 2000;

    @Inject KeyRepository repo;

    @Inject Backends backends;

    @Inject AuditLog audit;

    @Inject Instance<PendingRequests> pendingRequests;

    @ConfigProperty(name = "meerkat.approvals.default-required", defaultValue = "2")
    int defaultApprovals;

    private record Cached(KeyRecord key, long at) {}

    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    /** What an administrator asks for when creating a key. */
    public record Spec(
            String id,
            String type,
            String purpose,
            Boolean production,
            Integer approvals,
            String backend,
            String description) {}

    /** Creates a key an administrator asked for: any assignable purpose, never a device PKI key. */
    public KeyRecord create(Caller caller, Spec spec) {
        String purpose = spec.purpose() == null ? KeyPurpose.FIRMWARE_SIGNING : spec.purpose();
        if (!PURPOSES.contains(purpose)) {
            throw Refusal.invalid(
                    "purpose '"
                            + purpose
                            + "' is not one of "
                            + PURPOSES.stream().sorted().toList());
        }
        return createKey(caller, spec, purpose);
    }

    /** Creates a CA key of the device PKI: it signs only through the PKI's own operations. */
    public KeyRecord createForPki(Caller caller, String id, String backend, String description) {
        return createKey(
                caller,
                new Spec(
                        id, "ecdsa-p256", KeyPurpose.DEVICE_PKI, false, null, backend, description),
                KeyPurpose.DEVICE_PKI);
    }

    /**
     * The service's audit checkpoint key: created on first use, in the default backend, never
     * assignable.
     */
    public KeyRecord checkpointKey(String id) {
        KeyRecord k = find(id);
        if (k != null) return k;
        try {
            return createKey(
                    Caller.SYSTEM,
                    new Spec(
                            id,
                            "ecdsa-p256",
                            KeyPurpose.AUDIT_CHECKPOINT,
                            false,
                            null,
                            null,
                            "signs checkpoints of the audit chain head"),
                    KeyPurpose.AUDIT_CHECKPOINT);
        } catch (Refusal r) {
            if (r.kind() == Refusal.Kind.CONFLICT) return require(id);
            throw r;
        }
    }

    private KeyRecord createKey(Caller caller, Spec spec, String purpose) {
        checkId(spec.id());
        if (spec.description() != null && spec.description().length() > MAX_DESCRIPTION) {
            throw Refusal.invalid(
                    "description is limited to "
                            + MAX_DESCRIPTION
                            + " characters, got "
                            + spec.description().length());
        }
        String type = spec.type() == null ? "" : spec.type().toLowerCase();
        if (!TYPES.contains(type)) {
            throw Refusal.invalid(
                    "type '" + spec.type() + "' is not one of " + TYPES.stream().sorted().toList());
        }
        boolean production = Boolean.TRUE.equals(spec.production());
        int approvals =
                production ? (spec.approvals() == null ? defaultApprovals : spec.approvals()) : 0;
        if (production && approvals < 1)
            throw Refusal.invalid("a production key needs at least 1 approval");
        if (!production && spec.approvals() != null && spec.approvals() != 0) {
            throw Refusal.invalid("approvals apply only to production keys");
        }
        String backendName = spec.backend() == null ? backends.defaultName() : spec.backend();
        KeyBackend backend = backends.get(backendName);
        KeyType kt = KeyType.fromCliName(type);
        if (!backend.supports(kt)) {
            throw Refusal.invalid("backend '" + backendName + "' cannot hold " + type + " keys");
        }
        if (find(spec.id()) != null) throw exists(spec.id());
        String alias = alias(spec.id(), 1);
        PublicKey pub = backend.generate(alias, kt);
        VerificationKey vk = VerificationKey.of(pub);
        String now = Instant.now().toString();
        KeyRecord.Version first =
                new KeyRecord.Version(1, vk.keyHashHex(), KeyState.ACTIVE, now, alias, vk.toPem());
        KeyRecord k =
                new KeyRecord(
                        spec.id(),
                        type,
                        purpose,
                        backendName,
                        production,
                        approvals,
                        KeyState.ACTIVE,
                        1,
                        spec.description(),
                        caller.name(),
                        now,
                        now,
                        List.of(first));
        try {
            audit.commit(
                    c -> {
                        repo.insert(c, k, first);
                        return null;
                    },
                    x ->
                            new AuditLog.Event(
                                    caller,
                                    "key.create",
                                    spec.id(),
                                    1,
                                    "keyhash:" + vk.keyHashHex(),
                                    "allowed",
                                    "created",
                                    type
                                            + " "
                                            + purpose
                                            + " on "
                                            + backendName
                                            + (production
                                                    ? ", production, " + approvals + " approvals"
                                                    : "")));
        } catch (RuntimeException e) {
            destroyQuietly(backend, alias);
            if (KeyRepository.isDuplicate(e) || KeyRepository.isDuplicate(e.getCause()))
                throw exists(spec.id());
            throw e;
        }
        return require(spec.id());
    }

    /** A key id the store can hold: checked before any key material is generated. */
    public static void checkId(String id) {
        if (id == null || id.isBlank()) throw Refusal.invalid("id: must not be blank");
        if (id.length() > MAX_ID) {
            throw Refusal.invalid(
                    "id: key ids are limited to " + MAX_ID + " characters, got " + id.length());
        }
        if (!ID.matcher(id).matches()) {
            throw Refusal.invalid("id: must be 1-64 of a-z 0-9 . _ -, starting alphanumeric");
        }
    }

    private static Refusal exists(String id) {
        return Refusal.conflict("Key exists", "a key with id '" + id + "' already exists");
    }

    /**
     * Adds a version and makes it current. Of concurrent rotations exactly one wins; the others get
     * 409 and the key material generated for them is deleted again.
     */
    public KeyRecord rotate(Caller caller, String id) {
        KeyRecord k = require(id);
        requireActive(k);
        int next = k.currentVersion() + 1;
        String alias = alias(id, next);
        KeyBackend backend = backends.get(k.backend());
        PublicKey pub = backend.generate(alias, k.keyType());
        VerificationKey vk = VerificationKey.of(pub);
        String now = Instant.now().toString();
        KeyRecord.Version version =
                new KeyRecord.Version(
                        next, vk.keyHashHex(), KeyState.ACTIVE, now, alias, vk.toPem());
        try {
            audit.commit(
                    c -> {
                        if (!repo.rotate(c, id, k.currentVersion(), version, now)) {
                            throw Refusal.conflict(
                                    "Key changed",
                                    "key '"
                                            + id
                                            + "' was rotated or changed concurrently;"
                                            + " read it and retry");
                        }
                        return null;
                    },
                    x ->
                            new AuditLog.Event(
                                    caller,
                                    "key.rotate",
                                    id,
                                    next,
                                    "keyhash:" + vk.keyHashHex(),
                                    "allowed",
                                    "rotated",
                                    "version " + k.currentVersion() + " kept for verification"));
        } catch (RuntimeException e) {
            destroyQuietly(backend, alias);
            if (KeyRepository.isDuplicate(e) || KeyRepository.isDuplicate(e.getCause())) {
                throw Refusal.conflict(
                        "Key changed",
                        "key '" + id + "' was rotated concurrently; read it and retry");
            }
            throw e;
        } finally {
            cache.remove(id);
        }
        return require(id);
    }

    public KeyRecord retire(Caller caller, String id) {
        KeyRecord k = require(id);
        requireActive(k);
        String now = Instant.now().toString();
        audit.commit(
                c -> {
                    repo.setState(c, id, KeyState.RETIRED, now);
                    return null;
                },
                x ->
                        new AuditLog.Event(
                                caller,
                                "key.retire",
                                id,
                                k.currentVersion(),
                                null,
                                "allowed",
                                "retired",
                                null));
        cache.remove(id);
        return require(id);
    }

    /** Marks a key compromised and cancels the requests pending against it. */
    public KeyRecord compromised(Caller caller, String id, String reason) {
        KeyRecord k = require(id);
        if (KeyState.COMPROMISED.equals(k.state())) return k;
        String now = Instant.now().toString();
        audit.commit(
                c -> {
                    List<String> cancelled =
                            pendingRequests.isResolvable()
                                    ? pendingRequests
                                            .get()
                                            .cancelFor(c, id, "key marked compromised")
                                    : List.<String>of();
                    repo.setState(c, id, KeyState.COMPROMISED, now);
                    return cancelled;
                },
                cancelled ->
                        new AuditLog.Event(
                                caller,
                                "key.compromised",
                                id,
                                k.currentVersion(),
                                null,
                                "allowed",
                                "compromised",
                                (reason == null ? "" : reason + "; ")
                                        + "cancelled requests "
                                        + cancelled));
        cache.remove(id);
        return require(id);
    }

    public List<KeyRecord> list() {
        return repo.all();
    }

    /** The key, or a "not found" refusal. */
    public KeyRecord require(String id) {
        KeyRecord k = find(id);
        if (k == null) throw Refusal.notFound("Unknown key", "no key with id '" + id + "'");
        return k;
    }

    /** The key from a short-lived cache (signing path); changes made here invalidate it at once. */
    public KeyRecord cached(String id) {
        Cached c = cache.get(id);
        long now = System.currentTimeMillis();
        if (c != null && now - c.at() < CACHE_MILLIS) return c.key();
        KeyRecord k = require(id);
        cache.put(id, new Cached(k, now));
        return k;
    }

    /** The key if the cache holds a fresh copy, else {@code null}; never touches the database. */
    public KeyRecord cachedIfFresh(String id) {
        Cached c = cache.get(id);
        return c != null && System.currentTimeMillis() - c.at() < CACHE_MILLIS ? c.key() : null;
    }

    public KeyRecord find(String id) {
        if (id == null || id.length() > MAX_ID) return null;
        return repo.find(id);
    }

    public KeyBackend backendOf(KeyRecord k) {
        return backends.get(k.backend());
    }

    static void requireActive(KeyRecord k) {
        if (KeyState.RETIRED.equals(k.state())) {
            throw Refusal.conflict(
                    "Key retired", "key '" + k.id() + "' is retired and no longer signs");
        }
        if (KeyState.COMPROMISED.equals(k.state())) {
            throw Refusal.conflict(
                    "Key compromised",
                    "key '" + k.id() + "' is marked compromised and never signs");
        }
    }

    /** Checks that {@code k} may sign now with its current version. */
    public static void requireSigning(KeyRecord k) {
        requireActive(k);
        if (!KeyPurpose.signs(k.purpose())) {
            throw Refusal.conflict(
                    "Key cannot sign", "key '" + k.id() + "' is an " + k.purpose() + " key");
        }
    }

    /**
     * Deletes key material whose key or version did not commit; a leftover would be unreferenced
     * but is logged.
     */
    private static void destroyQuietly(KeyBackend backend, String alias) {
        try {
            backend.destroy(alias);
        } catch (RuntimeException e) {
            LOG.warnf("could not delete uncommitted key material %s: %s", alias, e.getMessage());
        }
    }

    /** Backend alias of a key version: unique even if an id is reused after a failed creation. */
    private static String alias(String id, int version) {
        return id + ".v" + version + "." + UUID.randomUUID().toString().substring(0, 8);
    }
}
