package dev.meerkat.signing.pki;

import dev.meerkat.signing.audit.AuditLog;
import dev.meerkat.signing.keys.BackendKeyRef;
import dev.meerkat.signing.keys.KeyRecord;
import dev.meerkat.signing.keys.KeyService;
import dev.meerkat.signing.pki.PkiRepository.CaRecord;
import dev.meerkat.signing.refusal.Refusal;
import dev.meerkat.signing.security.Caller;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.security.Provider;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;

/**
 * The CA hierarchy: a root (generated here in a key backend, or imported as a certificate whose key
 * stays offline) and an issuing device CA signed by it. Both keys live in the service's key
 * backends with purpose certificate-authority. With an offline root, the issuing CA's CSR goes to
 * the offline instance ({@code POST /pki/root/sign}) and the certificate it returns is installed
 * here.
 */
@ApplicationScoped
public class CaService {
    public static final String ROOT = "root";
    public static final String ISSUING = "issuing";
    public static final String ACTIVE = "active";
    public static final String AWAITING = "awaiting-certificate";

    /**
     * Ids of CA keys start with this, for people reading key lists; the guard is the key's purpose,
     * device-pki.
     */
    static final String KEY_PREFIX = "pki-";

    static final Provider BC = new BouncyCastleProvider();
    private static final long CACHE_MILLIS = 2000;

    @Inject KeyService keys;

    @Inject PkiRepository repo;

    @Inject AuditLog audit;

    @Inject PkiConfig config;

    /** The active issuing CA, ready to sign. */
    public record Issuing(
            CaRecord record,
            X509CertificateHolder cert,
            X509CertificateHolder root,
            BackendKeyRef key,
            String certPem,
            String rootPem) {}

    /** A CA as the API shows it. */
    public record CaView(
            String id,
            String kind,
            String keyId,
            String backend,
            Integer signerId,
            String state,
            String subject,
            String certificate,
            String csr,
            String createdBy,
            String createdAt) {}

    private volatile Issuing cached;
    private volatile long cachedAt;

    public CaView createRoot(Caller caller, String backend) {
        String id = KEY_PREFIX + "root-" + shortId();
        KeyRecord k = createKey(caller, id, backend, "device PKI root CA");
        X500Name name = Certificates.rootName(config.organization());
        X509CertificateHolder cert =
                Certificates.selfSignedRoot(name, spki(k), ref(k), config.caValidityYears());
        CaRecord rec =
                new CaRecord(
                        id,
                        ROOT,
                        k.id(),
                        null,
                        AWAITING,
                        null,
                        null,
                        name.toString(),
                        caller.name(),
                        now());
        commitActive(
                rec,
                pem(cert),
                new AuditLog.Event(
                        caller,
                        "pki.root.create",
                        k.id(),
                        1,
                        "cert:" + Certificates.fingerprint(encoded(cert)),
                        "allowed",
                        "created",
                        name + " on " + k.backend()));
        return view(require(id));
    }

    /** Imports a root certificate whose key is kept elsewhere (an offline root). */
    public CaView importRoot(Caller caller, String certPem) {
        X509CertificateHolder cert = Certificates.parse(Pem.decode(certPem, "CERTIFICATE"));
        if (!isCa(cert) || !cert.getSubject().equals(cert.getIssuer()) || !verifies(cert, cert)) {
            throw Refusal.unprocessable(
                    "Not a root CA", "the certificate must be a self-signed CA certificate");
        }
        String id = KEY_PREFIX + "root-import-" + shortId();
        CaRecord rec =
                new CaRecord(
                        id,
                        ROOT,
                        null,
                        null,
                        AWAITING,
                        null,
                        null,
                        cert.getSubject().toString(),
                        caller.name(),
                        now());
        commitActive(
                rec,
                pem(cert),
                new AuditLog.Event(
                        caller,
                        "pki.root.import",
                        null,
                        null,
                        "cert:" + Certificates.fingerprint(encoded(cert)),
                        "allowed",
                        "imported",
                        cert.getSubject().toString()));
        return view(require(id));
    }

    /** The root signs an issuing CA's CSR (on the instance that holds the root key). */
    public String signIssuingCsr(Caller caller, String csrPem, int signerId) {
        CaRecord root = activeRoot();
        if (root.keyId() == null) {
            throw Refusal.conflict(
                    "Root key offline", "this instance holds only the root certificate");
        }
        PKCS10CertificationRequest csr = parseCsr(Pem.decode(csrPem, "CERTIFICATE REQUEST"));
        X509CertificateHolder rootCert = parseStored(root.certPem());
        X509CertificateHolder cert =
                Certificates.issuingCa(
                        rootCert,
                        ref(keys.require(root.keyId())),
                        Certificates.issuingName(config.organization(), checkSignerId(signerId)),
                        csr.getSubjectPublicKeyInfo(),
                        config.caValidityYears());
        audit.append(
                new AuditLog.Event(
                        caller,
                        "pki.root.sign",
                        root.keyId(),
                        null,
                        "cert:" + Certificates.fingerprint(encoded(cert)),
                        "allowed",
                        "signed",
                        cert.getSubject().toString()));
        return pem(cert);
    }

    /**
     * A new issuing CA key. Signed at once by a root held here; otherwise it waits, with its CSR,
     * for a certificate from the offline root.
     */
    public CaView createIssuing(Caller caller, String backend, int signerId) {
        checkSignerId(signerId);
        CaRecord root = activeRoot();
        String id = KEY_PREFIX + "issuing-" + shortId();
        KeyRecord k =
                createKey(
                        caller,
                        id,
                        backend,
                        "device PKI issuing CA " + String.format("%04X", signerId));
        X500Name name = Certificates.issuingName(config.organization(), signerId);
        if (root.keyId() != null) {
            X509CertificateHolder cert =
                    Certificates.issuingCa(
                            parseStored(root.certPem()),
                            ref(keys.require(root.keyId())),
                            name,
                            spki(k),
                            config.caValidityYears());
            CaRecord rec =
                    new CaRecord(
                            id,
                            ISSUING,
                            k.id(),
                            signerId,
                            AWAITING,
                            null,
                            null,
                            name.toString(),
                            caller.name(),
                            now());
            commitActive(
                    rec,
                    pem(cert),
                    new AuditLog.Event(
                            caller,
                            "pki.issuing.create",
                            k.id(),
                            1,
                            "cert:" + Certificates.fingerprint(encoded(cert)),
                            "allowed",
                            "created",
                            name + " signed by " + root.id()));
        } else {
            String csr;
            try {
                csr =
                        Pem.encode(
                                "CERTIFICATE REQUEST",
                                new PKCS10CertificationRequestBuilder(name, spki(k))
                                        .build(Certificates.signer(ref(k)))
                                        .getEncoded());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            CaRecord rec =
                    new CaRecord(
                            id,
                            ISSUING,
                            k.id(),
                            signerId,
                            AWAITING,
                            null,
                            csr,
                            name.toString(),
                            caller.name(),
                            now());
            audit.commit(
                    c -> {
                        repo.insertCa(c, rec);
                        return null;
                    },
                    x ->
                            new AuditLog.Event(
                                    caller,
                                    "pki.issuing.create",
                                    k.id(),
                                    1,
                                    null,
                                    "allowed",
                                    "awaiting-certificate",
                                    name + ": CSR for the offline root"));
        }
        return view(require(id));
    }

    /** Installs the certificate the offline root made for the waiting issuing CA. */
    public CaView installIssuing(Caller caller, String certPem) {
        CaRecord waiting = repo.latest(ISSUING, AWAITING);
        if (waiting == null)
            throw Refusal.conflict(
                    "No issuing CA waiting", "create one first (POST /api/v1/pki/issuing-ca)");
        X509CertificateHolder cert = Certificates.parse(Pem.decode(certPem, "CERTIFICATE"));
        KeyRecord k = keys.require(waiting.keyId());
        if (!cert.getSubjectPublicKeyInfo().equals(spki(k))) {
            throw Refusal.unprocessable(
                    "Wrong certificate", "the certificate is not for key " + k.id());
        }
        X509CertificateHolder root = parseStored(activeRoot().certPem());
        if (!isCa(cert) || !cert.getIssuer().equals(root.getSubject()) || !verifies(cert, root)) {
            throw Refusal.unprocessable(
                    "Wrong certificate", "not a CA certificate signed by the active root");
        }
        String installed = pem(cert);
        audit.commit(
                c -> {
                    repo.activate(c, waiting.id(), ISSUING, installed);
                    return null;
                },
                x ->
                        new AuditLog.Event(
                                caller,
                                "pki.issuing.install",
                                k.id(),
                                1,
                                "cert:" + Certificates.fingerprint(encoded(cert)),
                                "allowed",
                                "installed",
                                cert.getSubject().toString()));
        invalidate();
        return view(require(waiting.id()));
    }

    public List<CaView> list() {
        return repo.allCas().stream().map(this::view).toList();
    }

    /** The active issuing CA; 409 when there is none. */
    public Issuing issuing() {
        Issuing i = cached;
        long now = System.currentTimeMillis();
        if (i != null && now - cachedAt < CACHE_MILLIS) return i;
        CaRecord rec = repo.latest(ISSUING, ACTIVE);
        if (rec == null) {
            throw Refusal.conflict(
                    "No issuing CA",
                    "create the root and the issuing CA first (POST /api/v1/pki/root,"
                            + " POST /api/v1/pki/issuing-ca)");
        }
        CaRecord root = activeRoot();
        i =
                new Issuing(
                        rec,
                        parseStored(rec.certPem()),
                        parseStored(root.certPem()),
                        ref(keys.require(rec.keyId())),
                        rec.certPem(),
                        root.certPem());
        cached = i;
        cachedAt = now;
        return i;
    }

    /** The cached active issuing CA while the cache is fresh, else null (no database access). */
    public Issuing issuingIfFresh() {
        Issuing i = cached;
        return i != null && System.currentTimeMillis() - cachedAt < CACHE_MILLIS ? i : null;
    }

    CaRecord activeRoot() {
        CaRecord root = repo.latest(ROOT, ACTIVE);
        if (root == null)
            throw Refusal.conflict(
                    "No root CA", "create or import a root first (POST /api/v1/pki/root)");
        return root;
    }

    /**
     * Inserts a CA and makes it the active one of its kind together with its audit entry: both
     * commit or neither does, so a CA never exists without the entry that tells who made it.
     */
    private void commitActive(CaRecord rec, String certPem, AuditLog.Event event) {
        try {
            audit.commit(
                    c -> {
                        repo.insertCa(c, rec);
                        repo.activate(c, rec.id(), rec.kind(), certPem);
                        return null;
                    },
                    x -> event);
        } finally {
            invalidate();
        }
    }

    private void invalidate() {
        cached = null;
    }

    private KeyRecord createKey(Caller caller, String id, String backend, String description) {
        String b =
                backend != null && !backend.isBlank()
                        ? backend
                        : config.caBackend().filter(s -> !s.isBlank()).orElse(null);
        return keys.createForPki(caller, id, b, description);
    }

    private BackendKeyRef ref(KeyRecord k) {
        return new BackendKeyRef(keys.backendOf(k), k.current().alias());
    }

    static SubjectPublicKeyInfo spki(KeyRecord k) {
        return SubjectPublicKeyInfo.getInstance(Pem.decode(k.current().publicPem(), "PUBLIC KEY"));
    }

    static PKCS10CertificationRequest parseCsr(byte[] der) {
        PKCS10CertificationRequest csr;
        try {
            csr = new PKCS10CertificationRequest(der);
        } catch (IOException | RuntimeException e) {
            throw Refusal.unprocessable(
                    "Malformed CSR", "not a PKCS#10 request: " + e.getMessage());
        }
        if (!Certificates.isP256(csr.getSubjectPublicKeyInfo())) {
            throw Refusal.unprocessable(
                    "Key type refused", "the policy accepts EC P-256 keys only");
        }
        try {
            if (!csr.isSignatureValid(
                    new JcaContentVerifierProviderBuilder()
                            .setProvider(BC)
                            .build(csr.getSubjectPublicKeyInfo()))) {
                throw Refusal.unprocessable(
                        "CSR signature invalid", "the request is not signed by its key");
            }
        } catch (Refusal e) {
            throw e;
        } catch (Exception e) {
            throw Refusal.unprocessable("CSR signature invalid", e.getMessage());
        }
        return csr;
    }

    static boolean verifies(X509CertificateHolder cert, X509CertificateHolder issuer) {
        try {
            return cert.isSignatureValid(
                    new JcaContentVerifierProviderBuilder().setProvider(BC).build(issuer));
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean isCa(X509CertificateHolder cert) {
        BasicConstraints bc = BasicConstraints.fromExtensions(cert.getExtensions());
        return bc != null && bc.isCA();
    }

    private static int checkSignerId(int signerId) {
        if (signerId < 0 || signerId > 0xFFFF) throw Refusal.invalid("signerId must be 0-65535");
        return signerId;
    }

    private CaRecord require(String id) {
        return repo.allCas().stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    }

    private CaView view(CaRecord r) {
        String backend = r.keyId() == null ? null : keys.require(r.keyId()).backend();
        return new CaView(
                r.id(),
                r.kind(),
                r.keyId(),
                backend,
                r.signerId(),
                r.state(),
                r.subject(),
                r.certPem(),
                r.csrPem(),
                r.createdBy(),
                r.createdAt());
    }

    static X509CertificateHolder parseStored(String pem) {
        return Certificates.parse(Pem.decode(pem, "CERTIFICATE"));
    }

    static byte[] encoded(X509CertificateHolder c) {
        try {
            return c.getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(X509CertificateHolder c) {
        return Pem.encode("CERTIFICATE", encoded(c));
    }

    private static String now() {
        return Instant.now().toString();
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
