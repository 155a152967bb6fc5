package dev.meerkat.signing.signing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.meerkat.image.KeyType;
import dev.meerkat.signing.api.ProblemException;
import dev.meerkat.signing.audit.AuditLog;
import dev.meerkat.signing.keys.KeyRecord;
import dev.meerkat.signing.keys.KeyService;
import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.security.Roles;
import dev.meerkat.signing.store.Database;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * Digest signing and the approval workflow. Non-production keys sign at once; a request against a
 * production key is stored pending and signed when the M-th distinct approver (never the requester)
 * approves; one rejection rejects it.
 */
@ApplicationScoped
public class SigningService {

    @Inject
    KeyService keys;

    @Inject
    AuditLog audit;

    @Inject
    Database db;

    @Inject
    MeterRegistry registry;

    private final AtomicLong pending = new AtomicLong();

    private record Meters(Timer latency, Counter count) {
    }

    /** Registered once per key and backend instead of looked up on every signature. */
    private final Map<String, Meters> meters = new ConcurrentHashMap<>();

    @PostConstruct
    void init() {
        registry.gauge("meerkat.approvals.pending", pending);
        refreshPending();
    }

    /** A digest to sign: SHA-256 (32 bytes) or SHA-384 (48 bytes), hex. */
    public record DigestRequest(String keyId, Integer keyVersion, String algorithm, String digest) {
    }

    /**
     * Signs on the calling (I/O) thread when nothing has to wait: the key is in the signing cache and
     * not a production key. The answer completes only after the audit entry is committed; refusals are
     * audited the same way. Returns {@code null} when the request needs the blocking path
     * ({@link #signDigest}): a database lookup of the key, or a pending request for a production key.
     */
    public CompletableFuture<SignResult> trySignDigestNow(Caller caller, SecurityIdentity identity, DigestRequest req) {
        KeyRecord k = req.keyId() == null ? null : keys.cachedIfFresh(req.keyId());
        if (k == null || k.production()) return null;
        String artifact = req.digest() == null ? null : (algorithm(req) + ":" + req.digest().toLowerCase());
        String action = "sign.digest";
        CompletableFuture<SignResult> out = new CompletableFuture<>();
        try {
            requireMayUse(identity, k);
            KeyService.requireSigning(k);
            if (req.keyVersion() != null && req.keyVersion() != k.currentVersion()) {
                throw ProblemException.conflict("Key version not current", "key '" + k.id() + "' signs with version "
                        + k.currentVersion() + ", not " + req.keyVersion());
            }
            byte[] digest = decodeDigest(k, req);
            KeyRecord.Version v = k.current();
            byte[] sig = signNow(k, digest);
            SignResult r = signed(k, v, algorithm(req), digest, sig);
            audit.appendAsync(new AuditLog.Event(caller, action, k.id(), v.version(), artifact, "allowed", "signed", null))
                    .whenComplete((e, ex) -> {
                        if (ex != null) out.completeExceptionally(AuditLog.failure(ex));
                        else out.complete(r);
                    });
        } catch (ProblemException e) {
            audit.appendAsync(new AuditLog.Event(caller, action, req.keyId(), req.keyVersion(), artifact,
                    e.status() == 403 ? "denied" : "refused", String.valueOf(e.status()), e.title() + ": " + e.getMessage()))
                    .whenComplete((en, ex) -> out.completeExceptionally(ex != null ? AuditLog.failure(ex) : e));
        }
        return out;
    }

    public SignResult signDigest(Caller caller, SecurityIdentity identity, DigestRequest req) {
        String artifact = req.digest() == null ? null : (algorithm(req) + ":" + req.digest().toLowerCase());
        String action = "sign.digest";
        try {
            KeyRecord k = keys.cached(req.keyId());
            requireMayUse(identity, k);
            KeyService.requireSigning(k);
            if (req.keyVersion() != null && req.keyVersion() != k.currentVersion()) {
                throw ProblemException.conflict("Key version not current", "key '" + k.id() + "' signs with version "
                        + k.currentVersion() + ", not " + req.keyVersion());
            }
            byte[] digest = decodeDigest(k, req);
            KeyRecord.Version v = k.current();
            if (k.production()) {
                String id = UUID.randomUUID().toString();
                String now = Instant.now().toString();
                db.tx(c -> {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO sign_request (id, key_id, key_version,"
                            + " algorithm, digest, requester, requester_roles, state, approvals_required, created_at)"
                            + " VALUES (?,?,?,?,?,?,?,?,?,?)")) {
                        ps.setString(1, id);
                        ps.setString(2, k.id());
                        ps.setInt(3, v.version());
                        ps.setString(4, algorithm(req));
                        ps.setString(5, HexFormat.of().formatHex(digest));
                        ps.setString(6, caller.name());
                        ps.setString(7, caller.roles());
                        ps.setString(8, "pending");
                        ps.setInt(9, k.approvalsRequired());
                        ps.setString(10, now);
                        ps.executeUpdate();
                    }
                    return null;
                });
                refreshPending();
                audit.append(new AuditLog.Event(caller, action, k.id(), v.version(), artifact, "pending", "request " + id,
                        k.approvalsRequired() + " approvals required"));
                return get(id);
            }
            byte[] sig = signNow(k, digest);
            audit.append(new AuditLog.Event(caller, action, k.id(), v.version(), artifact, "allowed", "signed", null));
            return signed(k, v, algorithm(req), digest, sig);
        } catch (ProblemException e) {
            audit.append(new AuditLog.Event(caller, action, req.keyId(), req.keyVersion(), artifact,
                    e.status() == 403 ? "denied" : "refused", String.valueOf(e.status()), e.title() + ": " + e.getMessage()));
            throw e;
        }
    }

    /** Signs with the key's current version and records the metrics. */
    public byte[] signNow(KeyRecord k, byte[] digest) {
        long t0 = System.nanoTime();
        byte[] sig = keys.backendOf(k).sign(k.current().alias(), k.keyType(), digest);
        Meters m = meters.computeIfAbsent(k.id() + '\u0000' + k.backend(), x -> new Meters(
                Timer.builder("meerkat.sign.latency").tag("key", k.id()).tag("backend", k.backend())
                        .publishPercentileHistogram().register(registry),
                Counter.builder("meerkat.signatures").tag("key", k.id()).register(registry)));
        m.latency().record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        m.count().increment();
        return sig;
    }

    /** Checks that the caller's role may use a key of this purpose. */
    public static void requireMayUse(SecurityIdentity identity, KeyRecord k) {
        if (k.id().startsWith(dev.meerkat.signing.pki.CaService.KEY_PREFIX)) {
            // CA keys of the device PKI sign only certificates, CRLs and OCSP answers made under its policy.
            throw ProblemException.conflict("Key reserved for the device PKI", "key '" + k.id()
                    + "' signs only through /api/v1/pki");
        }
        boolean ok = switch (k.purpose()) {
            case "firmware-signing" -> identity.hasRole(Roles.RELEASE_ENGINEER) || identity.hasRole(Roles.CI_PIPELINE);
            case "certificate-authority" -> identity.hasRole(Roles.FACTORY_STATION);
            default -> false;
        };
        if (!ok) {
            throw ProblemException.forbidden("your roles may not sign with " + k.purpose() + " key '" + k.id() + "'");
        }
    }

    public SignResult get(String id) {
        SignResult r = db.tx(c -> load(c, id));
        if (r == null) throw ProblemException.notFound("Unknown request", "no signing request '" + id + "'");
        return r;
    }

    /** A request as its requester or an approver/auditor/admin may see it. */
    public SignResult getFor(Caller caller, SecurityIdentity identity, String id) {
        SignResult r = get(id);
        boolean overseer = identity.hasRole(Roles.APPROVER) || identity.hasRole(Roles.ADMIN)
                || identity.hasRole(Roles.AUDITOR);
        if (!overseer && !r.requester().equals(caller.name())) {
            throw ProblemException.notFound("Unknown request", "no signing request '" + id + "'");
        }
        return r;
    }

    public List<SignResult> list(String state) {
        return db.tx(c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(state == null
                    ? "SELECT id FROM sign_request ORDER BY created_at" : "SELECT id FROM sign_request WHERE state = ? ORDER BY created_at")) {
                if (state != null) ps.setString(1, state);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) ids.add(rs.getString(1));
                }
            }
            List<SignResult> out = new ArrayList<>();
            for (String i : ids) out.add(load(c, i));
            return out;
        });
    }

    public SignResult decide(Caller caller, String id, boolean approve, String comment) {
        String action = approve ? "request.approve" : "request.reject";
        SignResult before = null;
        try {
            before = get(id);
            SignResult b = before;
            String outcome = db.tx(c -> {
                String state;
                try (PreparedStatement ps = c.prepareStatement("SELECT state FROM sign_request WHERE id = ? FOR UPDATE")) {
                    ps.setString(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        state = rs.getString(1);
                    }
                }
                if (!"pending".equals(state)) {
                    throw ProblemException.conflict("Request not pending", "request " + id + " is " + state);
                }
                if (b.requester().equals(caller.name())) {
                    throw ProblemException.forbidden("the requester may not approve or reject their own request");
                }
                for (SignResult.Approval a : b.approvals()) {
                    if (a.approver().equals(caller.name())) {
                        throw ProblemException.conflict("Already decided", caller.name() + " already "
                                + a.decision() + " request " + id);
                    }
                }
                String now = Instant.now().toString();
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO approval (request_id, approver, decision,"
                        + " comment, decided_at) VALUES (?,?,?,?,?)")) {
                    ps.setString(1, id);
                    ps.setString(2, caller.name());
                    ps.setString(3, approve ? "approved" : "rejected");
                    ps.setString(4, comment);
                    ps.setString(5, now);
                    ps.executeUpdate();
                }
                if (!approve) {
                    finish(c, id, "rejected", null, "rejected by " + caller.name(), now);
                    return "rejected";
                }
                int approvals = 0;
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT COUNT(*) FROM approval WHERE request_id = ? AND decision = 'approved'")) {
                    ps.setString(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        approvals = rs.getInt(1);
                    }
                }
                if (approvals < b.approvalsRequired()) return "approved " + approvals + "/" + b.approvalsRequired();
                KeyRecord k = keys.require(b.keyId());
                KeyService.requireSigning(k);
                if (k.currentVersion() != b.keyVersion()) {
                    finish(c, id, "cancelled", null, "key rotated to version " + k.currentVersion(), now);
                    return "cancelled: key rotated";
                }
                byte[] sig = signNow(k, HexFormat.of().parseHex(b.digest()));
                finish(c, id, "signed", SignatureCodec.b64(sig), null, now);
                return "signed";
            });
            refreshPending();
            audit.append(new AuditLog.Event(caller, action, before.keyId(), before.keyVersion(),
                    before.algorithm() + ":" + before.digest(), "allowed", outcome, "request " + id
                    + (comment == null ? "" : "; " + comment)));
            return get(id);
        } catch (ProblemException e) {
            audit.append(new AuditLog.Event(caller, action, before == null ? null : before.keyId(),
                    before == null ? null : before.keyVersion(), "request:" + id,
                    e.status() == 403 ? "denied" : "refused", String.valueOf(e.status()), e.title() + ": " + e.getMessage()));
            throw e;
        }
    }

    private static void finish(Connection c, String id, String state, String signature, String reason, String now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE sign_request SET state = ?, signature = ?, reason = ?, decided_at = ? WHERE id = ?")) {
            ps.setString(1, state);
            ps.setString(2, signature);
            ps.setString(3, reason);
            ps.setString(4, now);
            ps.setString(5, id);
            ps.executeUpdate();
        }
    }

    private void refreshPending() {
        pending.set(db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM sign_request WHERE state = 'pending'");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }));
    }

    private SignResult load(Connection c, String id) throws SQLException {
        List<SignResult.Approval> approvals = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT approver, decision, comment, decided_at FROM approval"
                + " WHERE request_id = ? ORDER BY decided_at, approver")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    approvals.add(new SignResult.Approval(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT id, key_id, key_version, algorithm, digest, requester,"
                + " state, approvals_required, signature, reason, created_at FROM sign_request WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return null;
                String keyId = rs.getString(2);
                int version = rs.getInt(3);
                String sigB64 = rs.getString(9);
                KeyRecord k = keys.find(keyId);
                KeyRecord.Version v = k.version(version);
                String der = null;
                String raw = null;
                if (sigB64 != null) {
                    byte[] sig = java.util.Base64.getDecoder().decode(sigB64);
                    KeyType t = k.keyType();
                    raw = SignatureCodec.b64(SignatureCodec.raw(t, sig));
                    if (t == KeyType.ECDSA_P256 || t == KeyType.ECDSA_P384) der = sigB64;
                }
                return new SignResult(rs.getString(7), rs.getString(1), keyId, version, v.keyHash(), rs.getString(4),
                        rs.getString(5), sigB64, der, raw, rs.getInt(8), List.copyOf(approvals), rs.getString(6),
                        rs.getString(10), rs.getString(11));
            }
        }
    }

    private static SignResult signed(KeyRecord k, KeyRecord.Version v, String alg, byte[] digest, byte[] sig) {
        KeyType t = k.keyType();
        boolean ec = t == KeyType.ECDSA_P256 || t == KeyType.ECDSA_P384;
        return new SignResult("signed", null, k.id(), v.version(), v.keyHash(), alg, HexFormat.of().formatHex(digest),
                SignatureCodec.b64(sig), ec ? SignatureCodec.b64(sig) : null, SignatureCodec.b64(SignatureCodec.raw(t, sig)),
                null, null, null, null, null);
    }

    private static String algorithm(DigestRequest req) {
        return req.algorithm() == null ? "sha256" : req.algorithm().toLowerCase();
    }

    private static byte[] decodeDigest(KeyRecord k, DigestRequest req) {
        String alg = algorithm(req);
        int len = switch (alg) {
            case "sha256" -> 32;
            case "sha384" -> 48;
            default -> throw ProblemException.badRequest("algorithm '" + req.algorithm() + "' is not sha256 or sha384");
        };
        byte[] d;
        try {
            d = HexFormat.of().parseHex(req.digest());
        } catch (IllegalArgumentException e) {
            throw new ProblemException(400, "Malformed digest", "digest must be hex: " + e.getMessage());
        }
        if (d.length != len) {
            throw new ProblemException(400, "Wrong digest length", "a " + alg + " digest is " + len + " bytes, got " + d.length);
        }
        KeyType t = k.keyType();
        if ((t == KeyType.RSA_2048 || t == KeyType.RSA_3072) && len != 32) {
            throw ProblemException.badRequest("RSA-PSS keys sign SHA-256 digests only");
        }
        return d;
    }
}
