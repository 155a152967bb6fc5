package dev.meerkat.signing.pki;

import dev.meerkat.signing.audit.AuditLog;
import dev.meerkat.signing.audit.RefusalAudit;
import dev.meerkat.signing.pki.PkiRepository.DeviceCert;
import dev.meerkat.signing.refusal.Refusal;
import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.security.Roles;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.Req;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Device certificates: issuance under the policy, inventory, revocation, the CRL and OCSP answers.
 * Issuance is idempotent: the same request (chip serial number and public key; the CSR signature
 * differs each time, since ECDSA is randomized) returns the certificate issued for it the first
 * time.
 */
@ApplicationScoped
public class CertificateService {
    private static final String ISSUE = "pki.issue";
    private static final Pattern CHIP_SERIAL = Pattern.compile("[0-9A-F]{18}");
    static final Map<String, Integer> REASONS =
            Map.of(
                    "unspecified",
                    CRLReason.unspecified,
                    "keyCompromise",
                    CRLReason.keyCompromise,
                    "cACompromise",
                    CRLReason.cACompromise,
                    "affiliationChanged",
                    CRLReason.affiliationChanged,
                    "superseded",
                    CRLReason.superseded,
                    "cessationOfOperation",
                    CRLReason.cessationOfOperation,
                    "privilegeWithdrawn",
                    CRLReason.privilegeWithdrawn);
    private static final DigestCalculatorProvider DIGESTS = digests();

    @Inject CaService cas;

    @Inject PkiRepository repo;

    @Inject AuditLog audit;

    @Inject RefusalAudit refusals;

    @Inject dev.meerkat.signing.audit.RefusalSummaries summaries;

    @Inject PkiConfig config;

    /** A device certificate as the API shows it. */
    public record CertView(
            String serial,
            String chipSerial,
            String fingerprint,
            String notBefore,
            String notAfter,
            String status,
            String revokedAt,
            String revocationReason,
            String issuedBy,
            String issuedAt,
            String certificate) {
        static CertView of(DeviceCert d) {
            return new CertView(
                    d.serial(),
                    d.chipSerial(),
                    d.fingerprint(),
                    d.notBefore(),
                    d.notAfter(),
                    d.status(),
                    d.revokedAt(),
                    d.revocationReason(),
                    d.issuedBy(),
                    d.issuedAt(),
                    Pem.encode("CERTIFICATE", Base64.getDecoder().decode(d.certDer())));
        }
    }

    /**
     * The answer to a CSR: the certificate, whether it existed already, and the chain up to the
     * root.
     */
    public record Issued(CertView cert, boolean existing, List<String> chain) {}

    private record CachedCrl(byte[] der, Instant at, long revocations, String caId) {}

    private volatile CachedCrl crl;
    private volatile long revocations;

    public Issued issue(Caller caller, String csrText) {
        return issue(caller, csrText, false);
    }

    /**
     * A certificate for the CSR. {@code renew} (administrators only) replaces the chip's active
     * certificate, or a revoked one, instead of refusing: the earlier one is revoked as superseded
     * in the same transaction.
     */
    public Issued issue(Caller caller, String csrText, boolean renew) {
        String[] chip = new String[1];
        return refusals.guardLate(
                caller,
                () -> subject(chip),
                () -> {
                    checkRenewal(caller, renew);
                    PKCS10CertificationRequest csr = parse(csrText, chip);
                    Prepared p = prepare(caller, csr, chip[0], cas.issuing());
                    return audit.commit(
                            c -> store(c, p, renew),
                            issued -> issuedEvent(caller, p, issued, renew));
                });
    }

    /**
     * Issuance without a blocked thread, for the HTTP I/O thread: null when the issuing CA is not
     * in the cache (the caller then uses {@link #issue} on a worker thread). Otherwise the CSR is
     * checked and the certificate built and signed right here; the inventory change and its audit
     * entry are one unit of the audit writer's next group commit, and the future completes once it
     * is committed.
     */
    public CompletableFuture<Issued> tryIssueNow(Caller caller, String csrText, boolean renew) {
        CaService.Issuing ca = cas.issuingIfFresh();
        if (ca == null) return null;
        String[] chip = new String[1];
        return refusals.guardAsyncLate(
                caller,
                () -> subject(chip),
                () -> {
                    checkRenewal(caller, renew);
                    Prepared p = prepare(caller, parse(csrText, chip), chip[0], ca);
                    return audit.commitAsync(
                            c -> store(c, p, renew),
                            issued -> issuedEvent(caller, p, issued, renew));
                });
    }

    private static void checkRenewal(Caller caller, boolean renew) {
        if (renew && !caller.hasRole(Roles.ADMIN)) {
            throw Refusal.forbidden(
                    "renewing a chip's certificate takes the admin role in addition to factory-station");
        }
    }

    /** The audit subject of an issuance: the chip serial number, once the CSR has been read. */
    private static RefusalAudit.Subject subject(String[] chip) {
        return new RefusalAudit.Subject(
                ISSUE, null, null, chip[0] == null ? null : "chip:" + chip[0]);
    }

    /** A checked request and the certificate made for it, not yet stored. */
    private record Prepared(
            String chip, String hash, CaService.Issuing ca, DeviceCert cert, String keyId) {}

    private static PKCS10CertificationRequest parse(String csrText, String[] chip) {
        PKCS10CertificationRequest csr =
                CaService.parseCsr(Pem.decode(csrText, "CERTIFICATE REQUEST"));
        chip[0] = chipSerial(csr);
        return csr;
    }

    private Prepared prepare(
            Caller caller, PKCS10CertificationRequest csr, String chip, CaService.Issuing ca) {
        String hash = requestHash(chip, csr);
        X509CertificateHolder cert =
                Certificates.device(
                        ca.cert(),
                        ca.key(),
                        Certificates.deviceName(config.organization(), chip),
                        csr.getSubjectPublicKeyInfo(),
                        config.deviceValidityYears());
        byte[] der = CaService.encoded(cert);
        DeviceCert d =
                new DeviceCert(
                        Certificates.serialHex(cert.getSerialNumber()),
                        chip,
                        hash,
                        ca.record().id(),
                        Certificates.fingerprint(der),
                        cert.getNotBefore().toInstant().toString(),
                        cert.getNotAfter().toInstant().toString(),
                        Base64.getEncoder().encodeToString(der),
                        "active",
                        null,
                        null,
                        caller.name(),
                        Instant.now().toString());
        return new Prepared(chip, hash, ca, d, ca.record().keyId());
    }

    /**
     * The inventory decision, on the audit writer's connection (decisions on a chip are serialized
     * there): the same request (chip serial number and key) gets its certificate back while it is
     * active; one chip has at most one active certificate, so a request for another key is refused
     * (409) unless the earlier one is revoked or an administrator renews; a revoked certificate is
     * never handed out again; a key certified under another chip is refused.
     */
    private Issued store(java.sql.Connection c, Prepared p, boolean renew)
            throws java.sql.SQLException {
        DeviceCert d = p.cert();
        DeviceCert same = repo.byCsrHash(c, d.csrHash());
        if (same != null && "active".equals(same.status())) {
            return new Issued(CertView.of(same), true, chainFor(same, p.ca()));
        }
        if (same != null && !renew) {
            throw Refusal.conflict(
                    "Certificate revoked",
                    "chip "
                            + p.chip()
                            + " was certified for this key by "
                            + same.serial()
                            + ", revoked at "
                            + same.revokedAt()
                            + " ("
                            + same.revocationReason()
                            + "); an administrator may renew it");
        }
        List<DeviceCert> active = repo.activeForChip(c, p.chip());
        if (!active.isEmpty() && !renew) {
            throw Refusal.conflict(
                    "Chip already certified",
                    "chip "
                            + p.chip()
                            + " has the active certificate "
                            + active.get(0).serial()
                            + " for another key; revoke it first, or renew as an administrator");
        }
        if (repo.bySerial(c, d.serial()) != null) {
            throw Refusal.conflict(
                    "Key already certified",
                    "a certificate with serial "
                            + d.serial()
                            + " exists for this public key under another chip serial number, or was issued for it this hour");
        }
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        for (DeviceCert old : active) repo.revoke(c, old.serial(), now, "superseded");
        if (same != null)
            repo.retireRequest(
                    c, same.serial(), sha256Hex("retired:" + same.csrHash() + ":" + same.serial()));
        repo.insert(c, d);
        if (!active.isEmpty() || same != null) revocationsChanged();
        return new Issued(CertView.of(d), false, List.of(p.ca().certPem(), p.ca().rootPem()));
    }

    private synchronized void revocationsChanged() {
        revocations++;
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("SHA-256")
                                    .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static AuditLog.Event issuedEvent(
            Caller caller, Prepared p, Issued issued, boolean renew) {
        if (!issued.existing()) {
            return new AuditLog.Event(
                    caller,
                    ISSUE,
                    p.keyId(),
                    null,
                    "cert:" + issued.cert().serial(),
                    "allowed",
                    renew ? "renewed" : "issued",
                    "chip " + p.chip() + ", sha256 " + issued.cert().fingerprint());
        }
        return new AuditLog.Event(
                caller,
                ISSUE,
                p.keyId(),
                null,
                "cert:" + issued.cert().serial(),
                "allowed",
                "existing",
                "chip " + p.chip() + ": same request as before");
    }

    private List<String> chainFor(DeviceCert d, CaService.Issuing ca) {
        if (d.caId().equals(ca.record().id())) return List.of(ca.certPem(), ca.rootPem());
        List<String> out = new ArrayList<>();
        for (PkiRepository.CaRecord r : repo.allCas()) {
            if (r.id().equals(d.caId())) out.add(r.certPem());
        }
        out.add(ca.rootPem());
        return out;
    }

    /**
     * CN = the chip's nine-byte serial number in hex (upper or lower case in the CSR, upper case in
     * the certificate).
     */
    private static String chipSerial(PKCS10CertificationRequest csr) {
        RDN[] cn = csr.getSubject().getRDNs(BCStyle.CN);
        if (cn.length != 1)
            throw Refusal.unprocessable("Subject refused", "the subject needs exactly one CN");
        String v = IETFUtils.valueToString(cn[0].getFirst().getValue()).toUpperCase(Locale.ROOT);
        if (!CHIP_SERIAL.matcher(v).matches()) {
            throw Refusal.unprocessable(
                    "Subject refused",
                    "CN must be the chip serial number, 18 hex digits; got '" + v + "'");
        }
        return v;
    }

    /** What makes two requests the same: the chip serial number and the public key. */
    private static String requestHash(String chip, PKCS10CertificationRequest csr) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(chip.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            sha.update(csr.getSubjectPublicKeyInfo().getEncoded(ASN1Encoding.DER));
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public List<CertView> list(Caller caller, String serial, String status, int limit) {
        String s =
                serial == null || serial.isBlank() ? null : serial.strip().toUpperCase(Locale.ROOT);
        List<CertView> out =
                repo.find(s, status, Math.max(1, Math.min(limit, 10_000))).stream()
                        .map(CertView::of)
                        .toList();
        audit.append(
                new AuditLog.Event(
                        caller,
                        "pki.certs.list",
                        null,
                        null,
                        s == null ? null : "serial:" + s,
                        "allowed",
                        "listed",
                        out.size() + " certificates"));
        return out;
    }

    public CertView revoke(Caller caller, String serial, String reason) {
        String s = serial.strip().toUpperCase(Locale.ROOT);
        String r = reason == null || reason.isBlank() ? "unspecified" : reason;
        return refusals.guard(
                caller,
                new RefusalAudit.Subject("pki.revoke", null, null, "cert:" + s),
                () -> {
                    if (!REASONS.containsKey(r)) {
                        throw Refusal.invalid(
                                "reason must be one of "
                                        + REASONS.keySet().stream().sorted().toList());
                    }
                    String at = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
                    DeviceCert d =
                            audit.commit(
                                    c -> {
                                        DeviceCert cur = repo.bySerial(c, s);
                                        if (cur == null)
                                            throw Refusal.notFound(
                                                    "Unknown certificate",
                                                    "no certificate with serial " + s);
                                        if (!repo.revoke(c, s, at, r)) {
                                            throw Refusal.conflict(
                                                    "Already revoked",
                                                    "certificate "
                                                            + s
                                                            + " was revoked at "
                                                            + cur.revokedAt());
                                        }
                                        return cur;
                                    },
                                    cur ->
                                            new AuditLog.Event(
                                                    caller,
                                                    "pki.revoke",
                                                    null,
                                                    null,
                                                    "cert:" + s,
                                                    "allowed",
                                                    "revoked",
                                                    "chip " + cur.chipSerial() + ", reason " + r));
                    revocationsChanged();
                    return CertView.of(repo.bySerial(d.serial()));
                });
    }

    /**
     * The current CRL of the issuing CA (DER), remade after a revocation or when half its validity
     * has passed.
     */
    public byte[] crl(Caller caller, String source) {
        CaService.Issuing ca = cas.issuing();
        CachedCrl c = crl;
        Instant now = Instant.now();
        long revs = revocations;
        if (c == null
                || c.revocations() != revs
                || !c.caId().equals(ca.record().id())
                || now.isAfter(c.at().plus(config.crlValidityHours() * 30L, ChronoUnit.MINUTES))) {
            c = new CachedCrl(makeCrl(ca, now), now, revs, ca.record().id());
            crl = c;
        }
        summaries.count(
                caller,
                source,
                "pki.crl",
                "allowed",
                "served",
                "thisUpdate " + c.at().truncatedTo(ChronoUnit.SECONDS));
        return c.der();
    }

    private byte[] makeCrl(CaService.Issuing ca, Instant now) {
        Instant thisUpdate = now.truncatedTo(ChronoUnit.SECONDS);
        X509v2CRLBuilder b = new X509v2CRLBuilder(ca.cert().getSubject(), Date.from(thisUpdate));
        b.setNextUpdate(Date.from(thisUpdate.plus(config.crlValidityHours(), ChronoUnit.HOURS)));
        for (DeviceCert d : repo.revoked(ca.record().id())) {
            b.addCRLEntry(
                    new BigInteger(d.serial(), 16),
                    Date.from(Instant.parse(d.revokedAt())),
                    REASONS.getOrDefault(d.revocationReason(), CRLReason.unspecified));
        }
        try {
            b.addExtension(
                    Extension.authorityKeyIdentifier,
                    false,
                    Certificates.ext()
                            .createAuthorityKeyIdentifier(ca.cert().getSubjectPublicKeyInfo()));
            b.addExtension(
                    Extension.cRLNumber,
                    false,
                    new CRLNumber(BigInteger.valueOf(thisUpdate.toEpochMilli())));
            X509CRLHolder holder = b.build(Certificates.signer(ca.key()));
            return holder.getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * An RFC 6960 answer to a DER OCSP request, signed by the issuing CA; malformed requests get
     * malformedRequest.
     */
    public byte[] ocsp(Caller caller, String source, byte[] request) {
        try {
            OCSPReq req;
            try {
                req = new OCSPReq(request);
            } catch (IOException | RuntimeException e) {
                summaries.count(
                        caller,
                        source,
                        "pki.ocsp",
                        "refused",
                        "malformedRequest",
                        String.valueOf(e.getMessage()));
                return new OCSPRespBuilder()
                        .build(OCSPRespBuilder.MALFORMED_REQUEST, null)
                        .getEncoded();
            }
            CaService.Issuing ca = cas.issuing();
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            Date next = Date.from(now.plus(config.ocspValidityMinutes(), ChronoUnit.MINUTES));
            BasicOCSPRespBuilder b =
                    new BasicOCSPRespBuilder(
                            new RespID(
                                    ca.cert().getSubjectPublicKeyInfo(),
                                    DIGESTS.get(CertificateID.HASH_SHA1)));
            List<String> answers = new ArrayList<>();
            for (Req r : req.getRequestList()) {
                CertificateID id = r.getCertID();
                String serial = Certificates.serialHex(id.getSerialNumber());
                CertificateStatus status;
                String word;
                DeviceCert d = id.matchesIssuer(ca.cert(), DIGESTS) ? repo.bySerial(serial) : null;
                if (d == null || !d.caId().equals(ca.record().id())) {
                    status = new UnknownStatus();
                    word = "unknown";
                } else if ("revoked".equals(d.status())) {
                    status =
                            new RevokedStatus(
                                    Date.from(Instant.parse(d.revokedAt())),
                                    REASONS.getOrDefault(
                                            d.revocationReason(), CRLReason.unspecified));
                    word = "revoked";
                } else {
                    status = CertificateStatus.GOOD;
                    word = "good";
                }
                b.addResponse(id, status, Date.from(now), next, null);
                answers.add(serial + "=" + word);
            }
            Extension nonce = req.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
            if (nonce != null) {
                b.setResponseExtensions(new Extensions(nonce));
            }
            BasicOCSPResp basic =
                    b.build(
                            Certificates.signer(ca.key()),
                            new X509CertificateHolder[] {ca.cert()},
                            Date.from(now));
            summaries.count(
                    caller, source, "pki.ocsp", "allowed", "answered", String.join(", ", answers));
            return new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, basic).getEncoded();
        } catch (OCSPException
                | IOException
                | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException("OCSP: " + e.getMessage(), e);
        }
    }

    private static DigestCalculatorProvider digests() {
        try {
            return new JcaDigestCalculatorProviderBuilder().setProvider(CaService.BC).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
