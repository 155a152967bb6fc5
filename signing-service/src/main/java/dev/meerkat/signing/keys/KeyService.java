package dev.meerkat.signing.keys;

import java.security.PublicKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.meerkat.image.KeyType;
import dev.meerkat.image.VerificationKey;
import dev.meerkat.signing.api.ProblemException;
import dev.meerkat.signing.audit.AuditLog;
import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.store.Database;

/** Key lifecycle: create, rotate, retire, mark compromised; every change is audited. */
@ApplicationScoped
public class KeyService {
    public static final Set<String> PURPOSES = Set.of("firmware-signing", "encryption", "certificate-authority");
    public static final Set<String> TYPES = Set.of("ecdsa-p256", "ecdsa-p384", "ed25519", "rsa-2048", "rsa-3072");
    private static final long CACHE_MILLIS = 2000;

    @Inject
    Database db;

    @Inject
    Backends backends;

    @Inject
    AuditLog audit;

    @ConfigProperty(name = "meerkat.approvals.default-required", defaultValue = "2")
    int defaultApprovals;

    private record Cached(KeyRecord key, long at) {
    }

    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    /** What an administrator asks for when creating a key. */
    public record Spec(String id, String type, String purpose, Boolean production, Integer approvals, String backend,
                       String description) {
    }

    public KeyRecord create(Caller caller, Spec spec) {
        String type = spec.type().toLowerCase();
        if (!TYPES.contains(type)) {
            throw ProblemException.badRequest("type '" + spec.type() + "' is not one of " + TYPES.stream().sorted().toList());
        }
        String purpose = spec.purpose() == null ? "firmware-signing" : spec.purpose();
        if (!PURPOSES.contains(purpose)) {
            throw ProblemException.badRequest("purpose '" + purpose + "' is not one of " + PURPOSES.stream().sorted().toList());
        }
        boolean production = Boolean.TRUE.equals(spec.production());
        int approvals = production ? (spec.approvals() == null ? defaultApprovals : spec.approvals()) : 0;
        if (production && approvals < 1) throw ProblemException.badRequest("a production key needs at least 1 approval");
        if (!production && spec.approvals() != null && spec.approvals() != 0) {
            throw ProblemException.badRequest("approvals apply only to production keys");
        }
        String backendName = spec.backend() == null ? backends.defaultName() : spec.backend();
        KeyBackend backend = backends.get(backendName);
        KeyType kt = KeyType.fromCliName(type);
        if (!backend.supports(kt)) {
            throw ProblemException.badRequest("backend '" + backendName + "' cannot hold " + type + " keys");
        }
        if (find(spec.id()) != null) {
            throw ProblemException.conflict("Key exists", "a key with id '" + spec.id() + "' already exists");
        }
        String alias = alias(spec.id(), 1);
        PublicKey pub = backend.generate(alias, kt);
        VerificationKey vk = VerificationKey.of(pub);
        String now = Instant.now().toString();
        try {
            insertKey(spec, type, purpose, production, approvals, backendName, caller, now, alias, vk);
        } catch (Database.StoreException e) {
            if (e.getCause() instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("23")) {
                throw ProblemException.conflict("Key exists", "a key with id '" + spec.id() + "' already exists");
            }
            throw e;
        }
        audit.append(new AuditLog.Event(caller, "key.create", spec.id(), 1, "keyhash:" + vk.keyHashHex(), "allowed",
                "created", type + " " + purpose + " on " + backendName + (production ? ", production, " + approvals
                + " approvals" : "")));
        return require(spec.id());
    }

    private void insertKey(Spec spec, String type, String purpose, boolean production, int approvals, String backendName,
                           Caller caller, String now, String alias, VerificationKey vk) {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO signing_key (id, key_type, purpose, backend,"
                    + " production, approvals_required, state, current_version, description, created_by, created_at,"
                    + " updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")) {
                ps.setString(1, spec.id());
                ps.setString(2, type);
                ps.setString(3, purpose);
                ps.setString(4, backendName);
                ps.setBoolean(5, production);
                ps.setInt(6, approvals);
                ps.setString(7, KeyState.ACTIVE);
                ps.setInt(8, 1);
                ps.setString(9, spec.description());
                ps.setString(10, caller.name());
                ps.setString(11, now);
                ps.setString(12, now);
                ps.executeUpdate();
            }
            insertVersion(c, spec.id(), 1, alias, vk, now);
            return null;
        });
    }

    public KeyRecord rotate(Caller caller, String id) {
        KeyRecord k = require(id);
        requireActive(k);
        int next = k.currentVersion() + 1;
        String alias = alias(id, next);
        PublicKey pub = backends.get(k.backend()).generate(alias, k.keyType());
        VerificationKey vk = VerificationKey.of(pub);
        String now = Instant.now().toString();
        db.tx(c -> {
            insertVersion(c, id, next, alias, vk, now);
            update(c, "UPDATE key_version SET state = ? WHERE key_id = ? AND version = ?", KeyState.VERIFY_ONLY, id,
                    k.currentVersion());
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE signing_key SET current_version = ?, updated_at = ? WHERE id = ?")) {
                ps.setInt(1, next);
                ps.setString(2, now);
                ps.setString(3, id);
                ps.executeUpdate();
            }
            return null;
        });
        cache.remove(id);
        audit.append(new AuditLog.Event(caller, "key.rotate", id, next, "keyhash:" + vk.keyHashHex(), "allowed",
                "rotated", "version " + k.currentVersion() + " kept for verification"));
        return require(id);
    }

    public KeyRecord retire(Caller caller, String id) {
        KeyRecord k = require(id);
        requireActive(k);
        setState(id, KeyState.RETIRED, KeyState.RETIRED);
        audit.append(new AuditLog.Event(caller, "key.retire", id, k.currentVersion(), null, "allowed", "retired", null));
        return require(id);
    }

    /** Marks a key compromised; returns the ids of the pending requests cancelled with it. */
    public KeyRecord compromised(Caller caller, String id, String reason) {
        KeyRecord k = require(id);
        if (KeyState.COMPROMISED.equals(k.state())) return k;
        List<String> cancelled = new ArrayList<>();
        String now = Instant.now().toString();
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id FROM sign_request WHERE key_id = ? AND state = 'pending'")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) cancelled.add(rs.getString(1));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE sign_request SET state = 'cancelled', reason = ?,"
                    + " decided_at = ? WHERE key_id = ? AND state = 'pending'")) {
                ps.setString(1, "key marked compromised");
                ps.setString(2, now);
                ps.setString(3, id);
                ps.executeUpdate();
            }
            return null;
        });
        setState(id, KeyState.COMPROMISED, KeyState.COMPROMISED);
        audit.append(new AuditLog.Event(caller, "key.compromised", id, k.currentVersion(), null, "allowed",
                "compromised", (reason == null ? "" : reason + "; ") + "cancelled requests " + cancelled));
        return require(id);
    }

    public List<KeyRecord> list() {
        return db.tx(c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM signing_key ORDER BY id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) ids.add(rs.getString(1));
            }
            List<KeyRecord> out = new ArrayList<>();
            for (String i : ids) out.add(load(c, i));
            return out;
        });
    }

    /** The key, or a 404 problem. */
    public KeyRecord require(String id) {
        KeyRecord k = find(id);
        if (k == null) throw ProblemException.notFound("Unknown key", "no key with id '" + id + "'");
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
        return db.tx(c -> load(c, id));
    }

    public KeyBackend backendOf(KeyRecord k) {
        return backends.get(k.backend());
    }

    static void requireActive(KeyRecord k) {
        if (KeyState.RETIRED.equals(k.state())) {
            throw ProblemException.conflict("Key retired", "key '" + k.id() + "' is retired and no longer signs");
        }
        if (KeyState.COMPROMISED.equals(k.state())) {
            throw ProblemException.conflict("Key compromised", "key '" + k.id() + "' is marked compromised and never signs");
        }
    }

    /** Checks that {@code k} may sign now with its current version. */
    public static void requireSigning(KeyRecord k) {
        requireActive(k);
        if (!"firmware-signing".equals(k.purpose()) && !"certificate-authority".equals(k.purpose())) {
            throw ProblemException.conflict("Key cannot sign", "key '" + k.id() + "' is an " + k.purpose() + " key");
        }
    }

    private void setState(String id, String keyState, String versionState) {
        String now = Instant.now().toString();
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE signing_key SET state = ?, updated_at = ? WHERE id = ?")) {
                ps.setString(1, keyState);
                ps.setString(2, now);
                ps.setString(3, id);
                ps.executeUpdate();
            }
            if (KeyState.COMPROMISED.equals(versionState)) {
                update(c, "UPDATE key_version SET state = ? WHERE key_id = ? AND version > ?", versionState, id, 0);
            } else {
                update(c, "UPDATE key_version SET state = ? WHERE key_id = ? AND state = 'active' AND version > ?",
                        versionState, id, 0);
            }
            return null;
        });
        cache.remove(id);
    }

    private static void update(Connection c, String sql, String state, String id, int version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, state);
            ps.setString(2, id);
            ps.setInt(3, version);
            ps.executeUpdate();
        }
    }

    private static void insertVersion(Connection c, String id, int version, String alias, VerificationKey vk, String now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO key_version (key_id, version, alias, public_pem,"
                + " key_hash, state, created_at) VALUES (?,?,?,?,?,?,?)")) {
            ps.setString(1, id);
            ps.setInt(2, version);
            ps.setString(3, alias);
            ps.setString(4, vk.toPem());
            ps.setString(5, vk.keyHashHex());
            ps.setString(6, KeyState.ACTIVE);
            ps.setString(7, now);
            ps.executeUpdate();
        }
    }

    private static KeyRecord load(Connection c, String id) throws SQLException {
        List<KeyRecord.Version> versions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT version, key_hash, state, created_at, alias, public_pem"
                + " FROM key_version WHERE key_id = ? ORDER BY version")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    versions.add(new KeyRecord.Version(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6)));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT id, key_type, purpose, backend, production,"
                + " approvals_required, state, current_version, description, created_by, created_at, updated_at"
                + " FROM signing_key WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return null;
                return new KeyRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getBoolean(5), rs.getInt(6), rs.getString(7), rs.getInt(8), rs.getString(9),
                        rs.getString(10), rs.getString(11), rs.getString(12), List.copyOf(versions));
            }
        }
    }

    /** Backend alias of a key version: unique even if an id is reused after a failed creation. */
    private static String alias(String id, int version) {
        return id + ".v" + version + "." + UUID.randomUUID().toString().substring(0, 8);
    }
}
