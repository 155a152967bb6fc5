package dev.meerkat.fleet.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.cloud.aws.broker.NpmProject;
import dev.meerkat.cloud.aws.broker.TestPki;
import dev.meerkat.cloud.aws.ota.AfrOtaDocument;
import dev.meerkat.cloud.aws.ota.AfrOtaFile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.CertificateStatus;
import software.amazon.awssdk.services.iot.model.JobStatus;

/**
 * The unmodified npm aws-iot-device-sdk-v2 Jobs client runs a job delivered by fleet-service: the
 * thing is registered and the job created with the unmodified Java IotClient, fleet-service's
 * rollout engine releases it and the Jobs API (through a real Mosquitto, mTLS, per-thing ACL)
 * announces it; the client starts it, reports progress, is refused a stale expectedVersion and
 * reports SUCCEEDED, which completes the job.
 */
@QuarkusTest
@TestProfile(JobsBrokerProfile.class)
class NpmJobsClientAgainstFleetTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void npmJobsClientRunsAFleetJobToSucceeded() throws Exception {
        Path npm = NpmProject.installed();
        JobsBrokerResource.Running env = JobsBrokerResource.running;
        TestPki.Issued device = env.pki().issue("npm-thing", false);
        Path dir = env.broker().dir;
        Path ca = env.broker().write("device-ca.pem", env.pki().ca.certPem());
        Path cert = env.broker().write("npm-thing.pem", device.certPem());
        Path key = env.broker().write("npm-thing.key", device.keyPem());

        try (IotClient registrar = IotSdkAgainstFleetTest.client(AwsProfile.REGISTRAR);
                IotClient deployer = IotSdkAgainstFleetTest.client(AwsProfile.DEPLOYER)) {
            String thingArn = registrar.createThing(b -> b.thingName("npm-thing")).thingArn();
            String otherArn = registrar.createThing(b -> b.thingName("npm-other")).thingArn();
            String certArn =
                    registrar
                            .registerCertificateWithoutCA(
                                    b ->
                                            b.certificatePem(device.certPem())
                                                    .status(CertificateStatus.ACTIVE))
                            .certificateArn();
            registrar.attachThingPrincipal(b -> b.thingName("npm-thing").principal(certArn));
            String document =
                    new AfrOtaDocument(
                                    List.of("HTTP"),
                                    null,
                                    List.of(
                                            AfrOtaFile.http(
                                                    "/fw.zip",
                                                    123456,
                                                    "https://fleet.example/fw.zip",
                                                    "MEUCIQ==")))
                            .toJobDocument()
                            .toString();
            deployer.createJob(b -> b.jobId("ota-other").targets(otherArn).document(document));

            Process node =
                    new ProcessBuilder(
                                    "node",
                                    "jobs-device.js",
                                    "127.0.0.1",
                                    String.valueOf(env.broker().port),
                                    "npm-thing",
                                    ca.toString(),
                                    cert.toString(),
                                    key.toString(),
                                    "npm-other")
                            .directory(npm.toFile())
                            .redirectError(dir.resolve("node.err").toFile())
                            .start();
            List<JsonNode> events = new ArrayList<>();
            try (BufferedReader lines =
                    new BufferedReader(
                            new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    JsonNode event = JSON.readTree(line);
                    events.add(event);
                    if (event.path("event").asText().equals("ready")) {
                        deployer.createJob(
                                b -> b.jobId("ota-1").targets(thingArn).document(document));
                    }
                }
            }
            assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(node.exitValue())
                    .as(
                            "node exit; events %s; stderr %s; broker log %s",
                            events, Files.readString(dir.resolve("node.err")), env.broker().log())
                    .isZero();
            assertThat(events)
                    .anySatisfy(
                            e -> {
                                assertThat(e.path("event").asText()).isEqualTo("start-next");
                                assertThat(e.path("jobId").asText()).isEqualTo("ota-1");
                                assertThat(e.path("status").asText()).isEqualTo("IN_PROGRESS");
                                assertThat(e.path("filesize").asLong()).isEqualTo(123456);
                                assertThat(e.path("versionNumber").asLong()).isEqualTo(2);
                            });
            assertThat(events)
                    .anySatisfy(
                            e -> {
                                assertThat(e.path("event").asText()).isEqualTo("update-rejected");
                                assertThat(e.path("code").asText()).isEqualTo("VersionMismatch");
                            });
            assertThat(events)
                    .anySatisfy(
                            e -> {
                                assertThat(e.path("event").asText()).isEqualTo("update-accepted");
                                assertThat(e.path("clientToken").asText()).isEqualTo("done");
                                assertThat(e.path("state").path("status").asText())
                                        .isEqualTo("SUCCEEDED");
                            });

            var execution =
                    deployer.describeJobExecution(b -> b.jobId("ota-1").thingName("npm-thing"))
                            .execution();
            assertThat(execution.statusAsString()).isEqualTo("SUCCEEDED");
            assertThat(execution.statusDetails().detailsMap()).containsEntry("updatedBy", "2.0.0");
            Instant end = Instant.now().plus(Duration.ofSeconds(30));
            while (deployer.describeJob(b -> b.jobId("ota-1")).job().status()
                    != JobStatus.COMPLETED) {
                assertThat(Instant.now()).as("job ota-1 completes").isBefore(end);
                Thread.sleep(100);
            }
            // npm-thing's publish on npm-other's update topic was dropped by the broker
            assertThat(
                            deployer.describeJobExecution(
                                            b -> b.jobId("ota-other").thingName("npm-other"))
                                    .execution()
                                    .statusAsString())
                    .isEqualTo("QUEUED");
            assertThat(env.broker().log()).contains("Denied PUBLISH from npm-thing");
        }
    }
}
