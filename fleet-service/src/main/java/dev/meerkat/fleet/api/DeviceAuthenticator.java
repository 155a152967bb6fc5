package dev.meerkat.fleet.api;

import dev.meerkat.fleet.audit.AuditLog;
import dev.meerkat.fleet.device.Device;
import dev.meerkat.fleet.device.DeviceService;
import dev.meerkat.fleet.refusal.Refusal;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.security.DeviceRevocations;
import dev.meerkat.fleet.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;

/**
 * Decides which registered device is calling, and refuses a call made for any other device.
 * Accepted proofs, strongest first: the client certificate of the TLS connection (matched by its
 * SHA-256 fingerprint), a JWT with role {@code device} whose subject is the device id, or the
 * device's own token in {@code Authorization: TargetToken <token>} (hawkBit DDI style; compared as
 * hashes in constant time). A client certificate on the device CA's revocation list is refused
 * (401, audited) before it is matched to a device.
 */
@ApplicationScoped
public class DeviceAuthenticator {

    @Inject DeviceService devices;

    @Inject DeviceRevocations revocations;

    @Inject AuditLog audit;

    /** The device {@code claimedId}, if the request proves to be from it; otherwise 401/403. */
    public Device authenticate(
            HttpServerRequest request, SecurityIdentity identity, String claimedId) {
        Optional<X509Certificate> cert = clientCertificate(request);
        if (cert.isPresent()) {
            Optional<String> fp = Optional.of(fingerprint(cert.get()));
            DeviceRevocations.Verdict v = revocations.check(cert.get());
            if (v.revoked()) {
                String who = devices.byFingerprint(fp.get()).map(Device::id).orElse(null);
                audit.record(
                        new Caller(Caller.nameOf(cert.get().getSubjectX500Principal()), ""),
                        "device.certificate-refused",
                        who,
                        v.reason() + "; fingerprint " + fp.get());
                throw Refusal.unauthorized("the client certificate is refused: " + v.reason());
            }
            Device d =
                    devices.byFingerprint(fp.get())
                            .orElseThrow(
                                    () ->
                                            Refusal.unauthorized(
                                                    "the client certificate belongs to no registered device"));
            return require(d, claimedId);
        }
        if (identity != null
                && !identity.isAnonymous()
                && identity.hasRole(Roles.DEVICE)
                && !(identity.getPrincipal() instanceof X500Principal)) {
            return require(devices.get(identity.getPrincipal().getName()), claimedId);
        }
        String auth = request.getHeader("Authorization");
        if (auth != null
                && auth.regionMatches(true, 0, "TargetToken ", 0, 12)
                && claimedId != null) {
            String token = auth.substring(12).strip();
            if (!token.isEmpty()
                    && token.length() <= 256
                    && devices.tokenMatches(claimedId, token)) {
                return devices.get(claimedId);
            }
            throw Refusal.unauthorized("the target token is not valid for " + claimedId);
        }
        throw Refusal.unauthorized(
                "a device certificate, a device token or a device JWT is required");
    }

    private static Device require(Device d, String claimedId) {
        if (claimedId != null && !claimedId.equals(d.id())) {
            throw Refusal.forbidden("device " + d.id() + " may not act for " + claimedId);
        }
        return d;
    }

    static Optional<String> clientCertificateFingerprint(HttpServerRequest request) {
        return clientCertificate(request).map(DeviceAuthenticator::fingerprint);
    }

    static Optional<X509Certificate> clientCertificate(HttpServerRequest request) {
        SSLSession s = request.sslSession();
        if (s == null) return Optional.empty();
        try {
            Certificate[] chain = s.getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate x))
                return Optional.empty();
            return Optional.of(x);
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }

    static String fingerprint(Certificate cert) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
