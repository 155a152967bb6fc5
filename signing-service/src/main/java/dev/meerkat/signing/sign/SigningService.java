package dev.meerkat.signing.sign;

import dev.meerkat.image.KeyType;
import dev.meerkat.signing.audit.AuditLog;
import dev.meerkat.signing.audit.RefusalAudit;
import dev.meerkat.signing.keys.KeyRecord;
import dev.meerkat.signing.keys.KeyService;
import dev.meerkat.signing.refusal.Refusal;
import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.security.PersonId;
import dev.meerkat.signing.security.Roles;
import dev.meerkat.signing.sign.SignRequestRepository.SignRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Digest signing and the approval workflow. Non-production keys sign at once; a request against a
 * production key is stored pending and signed when the M-th distinct approver (never the requester)
 * approves; one rejection rejects it. Every state change commits together with its audit entry.
 */
@ApplicationScoped
public class SigningService {
    private static final String SIGN_DIGEST = "sign.digest";

    @Inject KeyService keys;

    @Inject AuditLog audit;

    @Inject RefusalAudit refusals;

    @Inject SignRequestRepository requests;

    @Inject MeterRegistry registry;

    private final AtomicLong pending = new AtomicLong();

    private record Meters(Timer latency, Counter count) {}

    /** Registered once per key and backend instead of looked up on every signature. */
    private final Map<String, Meters> meters = new ConcurrentHashMap<>();

    @PostConstruct
    void init() {
        registry.gauge("meerkat.approvals.pending", pending);
        refreshPending();
    }

    /**
     * A digest to sign: SHA-256 (32 bytes) or SHA-384 (48 bytes), hex; {@code fileName}, {@code
     * imageVersion} and {@code imageSize} describe the image to the approvers of a production key.
     */
    public record DigestRequest(
            String keyId,
            Integer keyVersion,
            String algorithm,
            String digest,
            String fileName,
            String imageVersion,
            Long imageSize) {
        public DigestRequest(String keyId, Integer keyVersion, String algorithm, String digest) {
            this(keyId, keyVersion, algorithm, digest, null, null, null);
        }
    }

    private static RefusalAudit.Subject subject(DigestRequest req) {
        String artifact =
                req.digest() == null ? null : (algorithm(req) + ":" + req.digest().toLowerCase());
        return new RefusalAudit.Subject(SIGN_DIGEST, req.keyId(), req.keyVersion(), artifact);
    }

    /**
     * Signs on the calling (I/O) thread when nothing has to wait: the key is in the signing cache
     * and not a production key. The answer completes only after the audit entry is committed;
     * refusals are audited the same way. Returns {@code null} when the request needs the blocking
     * path ({@link #signDigest}): a database lookup of the key, or a pending request for a
     * production key.
     */
    public CompletableFuture<SignResult> trySignDigestNow(Caller caller, DigestRequest req) {
        KeyRecord k = req.keyId() == null ? null : keys.cachedIfFresh(req.keyId());
        if (k == null || k.production()) return null;
        RefusalAudit.Subject subject = subject(req);
        return refusals.guardAsync(
                caller,
                subject,
                () -> {
                    byte[] digest = checked(caller, k, req);
                    KeyRecord.Version v = k.current();
                    byte[] sig = signNow(k, digest);
                    SignResult r = signed(k, v, algorithm(req), digest, sig);
                    return audit.appendAsync(
                                    new AuditLog.Event(
                                            caller,
                                            SIGN_DIGEST,
                                            k.id(),
                                            v.version(),
                                            subject.artifact(),
                                            "allowed",
                                            "signed",
                                            null))
                            .handle(
                                    (e, ex) -> {
                                        if (ex != null) throw AuditLog.failure(ex);
                                        return r;
                                    });
                });
    }

    public SignResult signDigest(Caller caller, DigestRequest req) {
        RefusalAudit.Subject subject = subject(req);
        return refusals.guard(
                caller,
                subject,
                () -> {
                    if (req.keyId() != null) KeyService.checkId(req.keyId());
                    KeyRecord k = keys.cached(req.keyId());
                    byte[] digest = checked(caller, k, req);
                    KeyRecord.Version v = k.current();
                    if (k.production()) {
                        String hex = HexFormat.of().formatHex(digest);
                        // The same person asking again for the same digest resumes waiting on their
                        // pending request.
                        for (SignRequest open : requests.pendingFor(k.id(), v.version(), hex)) {
                            if (PersonId.same(open.requester(), caller.name())) {
                                audit.append(
                                        new AuditLog.Event(
                                                caller,
                                                SIGN_DIGEST,
                                                k.id(),
                                                v.version(),
                                                subject.artifact(),
                                                "pending",
                                                "request " + open.id(),
                                                "resumed"));
                                return view(open);
                            }
                        }
                        SignRequest r =
                                new SignRequest(
                                        UUID.randomUUID().toString(),
                                        k.id(),
                                        v.version(),
                                        algorithm(req),
                                        hex,
                                        caller.name(),
                                        caller.roles(),
                                        "pending",
                                        k.approvalsRequired(),
                                        null,
                                        null,
                                        Instant.now().toString(),
                                        List.of(),
                                        req.fileName(),
                                        req.imageVersion(),
                                        req.imageSize());
                        audit.commit(
                                c -> {
                                    requests.insert(c, r);
                                    return r.id();
                                },
                                id ->
                                        new AuditLog.Event(
                                                caller,
                                                SIGN_DIGEST,
                                                k.id(),
                                                v.version(),
                                                subject.artifact(),
                                                "pending",
                                                "request " + id,
                                                k.approvalsRequired() + " approvals required"));
                        refreshPending();
                        return get(r.id());
                    }
                    byte[] sig = signNow(k, digest);
                    audit.append(
                            new AuditLog.Event(
                                    caller,
                                    SIGN_DIGEST,
                                    k.id(),
                                    v.version(),
                                    subject.artifact(),
                                    "allowed",
                                    "signed",
                                    null));
                    return signed(k, v, algorithm(req), digest, sig);
                });
    }

    /**
     * The checks every digest signature passes: role, key state and purpose, version pin, digest
     * form.
     */
    private static byte[] checked(Caller caller, KeyRecord k, DigestRequest req) {
        KeyUsePolicy.requireMayUse(caller, k);
        KeyService.requireSigning(k);
        if (req.keyVersion() != null && req.keyVersion() != k.currentVersion()) {
            throw Refusal.conflict(
                    "Key version not current",
                    "key '"
                            + k.id()
                            + "' signs with version "
                            + k.currentVersion()
                            + ", not "
                            + req.keyVersion());
        }
        return decodeDigest(k, req);
    }

    /** Signs with the key's current version and records the metrics. */
    public byte[] signNow(KeyRecord k, byte[] digest) {
        long t0 = System.nanoTime();
        byte[] sig = keys.backendOf(k).sign(k.current().alias(), k.keyType(), digest);
        Meters m =
                meters.computeIfAbsent(
                        k.id() + '\u0000' + k.backend(),
                        x ->
                                new Meters(
                                        Timer.builder("meerkat.sign.latency")
                                                .tag("key", k.id())
                                                .tag("backend", k.backend())
                                                .publishPercentileHistogram()
                                                .register(registry),
                                        Counter.builder("meerkat.signatures")
                                                .tag("key", k.id())
                                                .register(registry)));
        m.latency().record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        m.count().increment();
        return sig;
    }

    public SignResult get(String id) {
        SignRequest r = requests.find(id);
        if (r == null) throw Refusal.notFound("Unknown request", "no signing request '" + id + "'");
        return view(r);
    }

    /** A request as its requester or an approver/auditor/admin may see it. */
    public SignResult getFor(Caller caller, String id) {
        SignResult r = get(id);
        boolean overseer =
                caller.hasRole(Roles.APPROVER)
                        || caller.hasRole(Roles.ADMIN)
                        || caller.hasRole(Roles.AUDITOR);
        if (!overseer && !PersonId.same(r.requester(), caller.name())) {
            throw Refusal.notFound("Unknown request", "no signing request '" + id + "'");
        }
        return r;
    }

    public List<SignResult> list(String state) {
        return requests.all(state).stream().map(this::view).toList();
    }

    /**
     * An approver's decision. The checks, the approval row, the request's new state (and, at the
     * M-th approval, its signature) and the audit entry commit as one unit on the audit writer,
     * which serializes decisions on the same request.
     */
    public SignResult decide(Caller caller, String id, boolean approve, String comment) {
        String action = approve ? "request.approve" : "request.reject";
        SignRequest before = requests.find(id);
        RefusalAudit.Subject subject =
                new RefusalAudit.Subject(
                        action,
                        before == null ? null : before.keyId(),
                        before == null ? null : before.keyVersion(),
                        "request:" + id);
        return refusals.guard(
                caller,
                subject,
                () -> {
                    if (before == null)
                        throw Refusal.notFound(
                                "Unknown request", "no signing request '" + id + "'");
                    audit.commit(
                            c -> {
                                SignRequest b = requests.load(c, id);
                                if (!"pending".equals(b.state())) {
                                    throw Refusal.conflict(
                                            "Request not pending",
                                            "request " + id + " is " + b.state());
                                }
                                if (PersonId.same(b.requester(), caller.name())) {
                                    throw Refusal.forbidden(
                                            "the requester may not approve or reject their own request");
                                }
                                for (SignResult.Approval a : b.approvals()) {
                                    if (PersonId.same(a.approver(), caller.name())) {
                                        throw Refusal.conflict(
                                                "Already decided",
                                                caller.name()
                                                        + " already "
                                                        + a.decision()
                                                        + " request "
                                                        + id);
                                    }
                                }
                                String now = Instant.now().toString();
                                requests.insertApproval(
                                        c,
                                        id,
                                        caller.name(),
                                        approve ? "approved" : "rejected",
                                        comment,
                                        now);
                                if (!approve) {
                                    requests.finish(
                                            c,
                                            id,
                                            "rejected",
                                            null,
                                            "rejected by " + caller.name(),
                                            now);
                                    return "rejected";
                                }
                                long approvals =
                                        b.approvals().stream()
                                                        .filter(
                                                                a ->
                                                                        "approved"
                                                                                .equals(
                                                                                        a
                                                                                                .decision()))
                                                        .count()
                                                + 1;
                                if (approvals < b.approvalsRequired())
                                    return "approved " + approvals + "/" + b.approvalsRequired();
                                KeyRecord k = keys.require(b.keyId());
                                KeyService.requireSigning(k);
                                if (k.currentVersion() != b.keyVersion()) {
                                    requests.finish(
                                            c,
                                            id,
                                            "cancelled",
                                            null,
                                            "key rotated to version " + k.currentVersion(),
                                            now);
                                    return "cancelled: key rotated";
                                }
                                byte[] sig = signNow(k, HexFormat.of().parseHex(b.digest()));
                                requests.finish(
                                        c, id, "signed", SignatureCodec.b64(sig), null, now);
                                return "signed";
                            },
                            outcome ->
                                    new AuditLog.Event(
                                            caller,
                                            action,
                                            before.keyId(),
                                            before.keyVersion(),
                                            before.algorithm() + ":" + before.digest(),
                                            "allowed",
                                            outcome,
                                            "request "
                                                    + id
                                                    + (comment == null ? "" : "; " + comment)));
                    refreshPending();
                    return get(id);
                });
    }

    private void refreshPending() {
        pending.set(requests.countPending());
    }

    private SignResult view(SignRequest r) {
        KeyRecord k = keys.find(r.keyId());
        KeyRecord.Version v = k.version(r.keyVersion());
        String der = null;
        String raw = null;
        if (r.signature() != null) {
            byte[] sig = java.util.Base64.getDecoder().decode(r.signature());
            KeyType t = k.keyType();
            raw = SignatureCodec.b64(SignatureCodec.raw(t, sig));
            if (t == KeyType.ECDSA_P256 || t == KeyType.ECDSA_P384) der = r.signature();
        }
        return new SignResult(
                r.state(),
                r.id(),
                r.keyId(),
                r.keyVersion(),
                v.keyHash(),
                r.algorithm(),
                r.digest(),
                r.signature(),
                der,
                raw,
                r.approvalsRequired(),
                r.approvals(),
                r.requester(),
                r.reason(),
                r.createdAt(),
                r.fileName(),
                r.imageVersion(),
                r.imageSize());
    }

    private static SignResult signed(
            KeyRecord k, KeyRecord.Version v, String alg, byte[] digest, byte[] sig) {
        KeyType t = k.keyType();
        boolean ec = t == KeyType.ECDSA_P256 || t == KeyType.ECDSA_P384;
        return new SignResult(
                "signed",
                null,
                k.id(),
                v.version(),
                v.keyHash(),
                alg,
                HexFormat.of().formatHex(digest),
                SignatureCodec.b64(sig),
                ec ? SignatureCodec.b64(sig) : null,
                SignatureCodec.b64(SignatureCodec.raw(t, sig)),
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    private static String algorithm(DigestRequest req) {
        return req.algorithm() == null ? "sha256" : req.algorithm().toLowerCase();
    }

    private static byte[] decodeDigest(KeyRecord k, DigestRequest req) {
        String alg = algorithm(req);
        int len =
                switch (alg) {
                    case "sha256" -> 32;
                    case "sha384" -> 48;
                    default ->
                            throw Refusal.invalid(
                                    "algorithm '" + req.algorithm() + "' is not sha256 or sha384");
                };
        byte[] d;
        try {
            d = HexFormat.of().parseHex(req.digest());
        } catch (IllegalArgumentException e) {
            throw Refusal.invalid("Malformed digest", "digest must be hex: " + e.getMessage());
        }
        if (d.length != len) {
            throw Refusal.invalid(
                    "Wrong digest length",
                    "a " + alg + " digest is " + len + " bytes, got " + d.length);
        }
        KeyType t = k.keyType();
        if ((t == KeyType.RSA_2048 || t == KeyType.RSA_3072) && len != 32) {
            throw Refusal.invalid("RSA-PSS keys sign SHA-256 digests only");
        }
        return d;
    }
}
