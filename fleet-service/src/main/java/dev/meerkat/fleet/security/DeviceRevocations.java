package dev.meerkat.fleet.security;

import dev.meerkat.fleet.FleetConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The device CA's certificate revocation list, as the fleet checks device certificates against it:
 * fetched from the signing service's CRL endpoint ({@code meerkat.fleet.device-crl.url}) or read
 * from a file ({@code .file}), refreshed every {@code .refresh}, and kept in memory. A CRL is taken
 * only if the device CA ({@code .issuer}, PEM; a chain file may hold its parents too) signed it and
 * it is not older than the one held; a failed refresh keeps the last good list. With no source
 * configured, nothing is checked.
 */
@ApplicationScoped
public class DeviceRevocations {
    private static final Logger LOG = Logger.getLogger(DeviceRevocations.class);
    private static final int MAX_CRL_BYTES = 16 << 20;

    /** Whether a certificate may be used: {@code revoked} names why not. */
    public record Verdict(boolean revoked, String reason) {}

    /** What readiness reports: whether a list is held and until when it is current. */
    public record Status(
            boolean configured,
            Instant thisUpdate,
            Instant nextUpdate,
            boolean stale,
            String lastError) {
        public boolean healthy() {
            return !configured || (thisUpdate != null && !stale);
        }
    }

    @Inject FleetConfig config;

    private Optional<URI> url = Optional.empty();
    private Optional<Path> file = Optional.empty();

    private final Clock clock = Clock.systemUTC();
    private volatile X509CRL crl;
    private volatile String lastError;
    private volatile List<X509Certificate> issuerCerts = List.of();
    private ScheduledExecutorService timer;

    void start(@Observes StartupEvent ev) {
        open(config.deviceCrl());
    }

    /** Loads the list the settings name and starts refreshing it. */
    void open(FleetConfig.DeviceCrl settings) {
        url = settings.url().map(URI::create);
        file = settings.file();
        Optional<Path> issuer = settings.issuer();
        Duration refresh = settings.refresh();
        if (!configured()) return;
        if (issuer.isEmpty()) {
            throw new IllegalStateException(
                    "meerkat.fleet.device-crl.issuer (the device CA certificate, PEM) is required"
                            + " with a device CRL: its signature is checked");
        }
        try (InputStream in = Files.newInputStream(issuer.get())) {
            issuerCerts =
                    CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                            .map(X509Certificate.class::cast)
                            .toList();
            if (issuerCerts.isEmpty()) throw new IOException("no certificate in the file");
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(
                    "meerkat.fleet.device-crl.issuer: " + issuer.get() + ": " + e.getMessage(), e);
        }
        refreshNow();
        timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "device-crl");
                            t.setDaemon(true);
                            return t;
                        });
        long ms = Math.max(1000, refresh.toMillis());
        timer.scheduleWithFixedDelay(this::refreshNow, ms, ms, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timer != null) timer.shutdownNow();
    }

    public boolean configured() {
        return url.isPresent() || file.isPresent();
    }

    /** Fetches and installs the current list; keeps the last good one on any failure. */
    public synchronized void refreshNow() {
        try {
            X509CRL next = parse(fetch());
            X509Certificate ca =
                    issuerCerts.stream()
                            .filter(
                                    c ->
                                            c.getSubjectX500Principal()
                                                    .equals(next.getIssuerX500Principal()))
                            .findFirst()
                            .orElseThrow(
                                    () ->
                                            new GeneralSecurityException(
                                                    "the CRL's issuer "
                                                            + next.getIssuerX500Principal()
                                                            + " is not the device CA"));
            next.verify(ca.getPublicKey());
            X509CRL held = crl;
            if (held != null && next.getThisUpdate().before(held.getThisUpdate())) {
                throw new GeneralSecurityException(
                        "the CRL is older than the one held (thisUpdate "
                                + next.getThisUpdate().toInstant()
                                + ")");
            }
            crl = next;
            lastError = null;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            lastError = source() + ": " + e.getMessage();
            LOG.warnf("device CRL not refreshed: %s", lastError);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Checks a device certificate the TLS layer has already validated. Refused when its serial is
     * on the device CA's list, and, failing closed, when no list could be loaded yet. A stale list
     * is still applied (readiness reports it).
     */
    public Verdict check(X509Certificate cert) {
        if (!configured()) return new Verdict(false, null);
        X509CRL held = crl;
        if (held == null) {
            return new Verdict(
                    true, "the device revocation list is not available (" + lastError + ")");
        }
        if (!held.getIssuerX500Principal().equals(cert.getIssuerX500Principal())) {
            return new Verdict(false, null);
        }
        X509CRLEntry entry = held.getRevokedCertificate(cert);
        if (entry == null) return new Verdict(false, null);
        return new Verdict(
                true,
                "certificate serial "
                        + cert.getSerialNumber().toString(16)
                        + " is revoked"
                        + (entry.getRevocationReason() == null
                                ? ""
                                : " (" + entry.getRevocationReason() + ")")
                        + " since "
                        + entry.getRevocationDate().toInstant());
    }

    public Status status() {
        X509CRL held = crl;
        if (held == null) return new Status(configured(), null, null, configured(), lastError);
        Instant next = held.getNextUpdate() == null ? null : held.getNextUpdate().toInstant();
        boolean stale = next != null && clock.instant().isAfter(next);
        return new Status(true, held.getThisUpdate().toInstant(), next, stale, lastError);
    }

    private String source() {
        return url.map(URI::toString).orElseGet(() -> file.get().toString());
    }

    private byte[] fetch() throws IOException, InterruptedException {
        if (url.isEmpty()) {
            if (Files.size(file.get()) > MAX_CRL_BYTES) throw new IOException("CRL too large");
            return Files.readAllBytes(file.get());
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<InputStream> r =
                http.send(
                        HttpRequest.newBuilder(url.get())
                                .timeout(Duration.ofSeconds(30))
                                .header("Accept", "application/pkix-crl")
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) throw new IOException("HTTP " + r.statusCode());
            byte[] b = in.readNBytes(MAX_CRL_BYTES + 1);
            if (b.length > MAX_CRL_BYTES) throw new IOException("CRL too large");
            return b;
        }
    }

    private static X509CRL parse(byte[] der) throws GeneralSecurityException {
        return (X509CRL)
                CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
    }
}
