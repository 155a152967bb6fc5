package dev.meerkat.fleet.aws;

import dev.meerkat.cloud.aws.broker.JobsMosquitto;
import dev.meerkat.cloud.aws.broker.TestPki;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Map;

/**
 * A real Mosquitto (mTLS, certificate CN as user name, the per-thing Jobs ACL) started before
 * fleet-service, which connects to it as {@value JobsMosquitto#SERVICE_USER} to serve the Jobs API.
 */
public class JobsBrokerResource implements QuarkusTestResourceLifecycleManager {

    /** The running broker and its PKI, for the test to issue device certificates. */
    record Running(JobsMosquitto broker, TestPki pki) {}

    static volatile Running running;

    @Override
    public Map<String, String> start() {
        try {
            // under /tmp: Mosquitto started as root drops to its own user, which must read the
            // files
            Path dir = Files.createTempDirectory("meerkat-aws-mosquitto");
            TestPki pki = new TestPki();
            JobsMosquitto broker = new JobsMosquitto(pki, dir);
            TestPki.Issued service = pki.issue(JobsMosquitto.SERVICE_USER, false);
            KeyStore p12 = KeyStore.getInstance("PKCS12");
            p12.load(null, null);
            char[] password = "jobs-test".toCharArray();
            p12.setKeyEntry(
                    "service",
                    service.keys().getPrivate(),
                    password,
                    new Certificate[] {service.cert(), pki.ca.cert()});
            Path p12File = dir.resolve("service.p12");
            try (OutputStream out = Files.newOutputStream(p12File)) {
                p12.store(out, password);
            }
            running = new Running(broker, pki);
            return Map.of(
                    "meerkat.fleet.aws.jobs.server",
                    broker.uri(),
                    "meerkat.fleet.aws.jobs.ca-file",
                    broker.write("ca.pem", pki.ca.certPem()).toString(),
                    "meerkat.fleet.aws.jobs.client-p12",
                    p12File.toString(),
                    "meerkat.fleet.aws.jobs.client-p12-password",
                    new String(password),
                    "meerkat.fleet.aws.jobs.client-id",
                    JobsMosquitto.SERVICE_USER,
                    "meerkat.fleet.aws.jobs.sweep",
                    "PT0.5S");
        } catch (Exception e) {
            throw new IllegalStateException("Mosquitto for the Jobs API did not start", e);
        }
    }

    @Override
    public void stop() {
        Running r = running;
        if (r != null) {
            try {
                r.broker().close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
