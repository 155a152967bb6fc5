package dev.meerkat.fleet.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.fleet.FleetConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Device certificates checked against real CRLs issued by an openssl CA. */
class DeviceRevocationsTest {
    @TempDir Path tmp;

    static DeviceRevocations from(Path crlFile, Path issuer) {
        DeviceRevocations r = new DeviceRevocations();
        r.open(
                new FleetConfig.DeviceCrl() {
                    @Override
                    public Optional<String> url() {
                        return Optional.empty();
                    }

                    @Override
                    public Optional<Path> file() {
                        return Optional.of(crlFile);
                    }

                    @Override
                    public Optional<Path> issuer() {
                        return Optional.of(issuer);
                    }

                    @Override
                    public Duration refresh() {
                        return Duration.ofMinutes(5);
                    }
                });
        return r;
    }

    @Test
    void aRevokedCertificateIsRefusedAndTheOthersAreNot() throws Exception {
        OpensslCa ca = new OpensslCa(tmp.resolve("ca"), "Test Device CA");
        Path good = ca.issue("dev-good");
        Path stolen = ca.issue("dev-stolen");
        ca.revoke(stolen, "keyCompromise");
        Path crl = tmp.resolve("device.crl");
        Files.copy(ca.crl("crl1", null), crl);
        DeviceRevocations r = from(crl, ca.caCertificate());
        try {
            DeviceRevocations.Verdict v = r.check(OpensslCa.read(stolen));
            assertThat(v.revoked()).isTrue();
            assertThat(v.reason()).contains("is revoked").contains("KEY_COMPROMISE");
            assertThat(r.check(OpensslCa.read(good)).revoked()).isFalse();
            assertThat(r.status().healthy()).isTrue();

            // Revoked later: picked up at the next refresh.
            ca.revoke(good, "superseded");
            Thread.sleep(1100); // a later thisUpdate (whole seconds)
            Files.copy(
                    ca.crl("crl2", null), crl, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            r.refreshNow();
            assertThat(r.check(OpensslCa.read(good)).revoked()).isTrue();
            // An older list is not taken back (a replayed CRL cannot un-revoke).
            Files.copy(
                    ca.dir.resolve("crl1.der"),
                    crl,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            r.refreshNow();
            assertThat(r.check(OpensslCa.read(good)).revoked()).isTrue();
            assertThat(r.status().lastError()).contains("older than the one held");
        } finally {
            r.stop(null);
        }
    }

    @Test
    void aListSignedByAnotherCaIsNotTakenAndCertificatesAreThenRefused() throws Exception {
        OpensslCa ca = new OpensslCa(tmp.resolve("ca"), "Test Device CA");
        OpensslCa other = new OpensslCa(tmp.resolve("other"), "Test Device CA");
        Path good = ca.issue("dev-good");
        DeviceRevocations r = from(other.crl("forged", null), ca.caCertificate());
        try {
            assertThat(r.status().healthy()).isFalse();
            assertThat(r.status().lastError()).isNotNull();
            DeviceRevocations.Verdict v = r.check(OpensslCa.read(good));
            assertThat(v.revoked()).isTrue();
            assertThat(v.reason()).contains("not available");
        } finally {
            r.stop(null);
        }
    }

    @Test
    void aListPastItsNextUpdateIsReportedStaleButStillApplied() throws Exception {
        OpensslCa ca = new OpensslCa(tmp.resolve("ca"), "Test Device CA");
        Path stolen = ca.issue("dev-stolen");
        ca.revoke(stolen, "keyCompromise");
        Path crl = ca.crl("short", 1);
        Thread.sleep(2100);
        DeviceRevocations r = from(crl, ca.caCertificate());
        try {
            X509Certificate cert = OpensslCa.read(stolen);
            assertThat(r.status().stale()).isTrue();
            assertThat(r.status().healthy()).isFalse();
            assertThat(r.check(cert).revoked()).isTrue();
        } finally {
            r.stop(null);
        }
    }
}
