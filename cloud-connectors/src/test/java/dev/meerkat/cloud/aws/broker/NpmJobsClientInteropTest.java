package dev.meerkat.cloud.aws.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cloud.aws.jobs.JobExecution;
import dev.meerkat.cloud.aws.jobs.JobExecutionStatus;
import dev.meerkat.cloud.aws.jobs.JobsJson;
import dev.meerkat.cloud.aws.ota.AfrOtaDocument;
import dev.meerkat.cloud.aws.ota.AfrOtaFile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unmodified npm aws-iot-device-sdk-v2 1.28.0 Jobs client, over mTLS through a real Mosquitto
 * with the per-thing ACL, runs a job served by {@link MqttJobsService}: notify-next, start-next
 * with the afr_ota document, an IN_PROGRESS progress report, a stale expectedVersion refused with
 * VersionMismatch, SUCCEEDED, then the empty notify-next. A publish on another thing's topic is
 * dropped by the broker.
 */
class NpmJobsClientInteropTest {

    @TempDir Path tmp;

    @Test
    void npmJobsClientRunsAJobToSucceededThroughMosquitto() throws Exception {
        Path npm = NpmProject.installed();
        TestPki pki = new TestPki();
        InMemoryJobsBackend backend = new InMemoryJobsBackend(Clock.systemUTC());
        AfrOtaDocument doc =
                new AfrOtaDocument(
                        List.of("HTTP"),
                        null,
                        List.of(
                                AfrOtaFile.http(
                                        "/fw.zip",
                                        123456,
                                        "https://bucket.s3.amazonaws.com/fw.zip?X-Amz-Signature=abc",
                                        "MEUCIQ==")));
        backend.queue("dev1", "ota-1", doc.toJobDocument());
        backend.queue("dev2", "ota-other", doc.toJobDocument());

        try (JobsMosquitto broker = new JobsMosquitto(pki, tmp)) {
            TestPki.Issued service = pki.issue(JobsMosquitto.SERVICE_USER, false);
            MqttConnectOptions options = new MqttConnectOptions();
            options.setSocketFactory(pki.clientSocketFactory(service));
            options.setCleanSession(true);
            TestPki.Issued device = pki.issue("dev1", false);
            Path ca = broker.write("dev-ca.pem", pki.ca.certPem());
            Path cert = broker.write("dev1.pem", device.certPem());
            Path key = broker.write("dev1.key", device.keyPem());

            try (MqttJobsService jobs =
                    new MqttJobsService(
                            new JobsProtocolEngine(backend, Clock.systemUTC()),
                            broker.uri(),
                            "meerkat-jobs-1",
                            options)) {
                jobs.start();
                Process node =
                        new ProcessBuilder(
                                        "node",
                                        "jobs-device.js",
                                        "127.0.0.1",
                                        String.valueOf(broker.port),
                                        "dev1",
                                        ca.toString(),
                                        cert.toString(),
                                        key.toString(),
                                        "dev2")
                                .directory(npm.toFile())
                                .redirectError(tmp.resolve("node.err").toFile())
                                .start();
                List<JsonNode> events = new ArrayList<>();
                try (BufferedReader lines =
                        new BufferedReader(
                                new InputStreamReader(
                                        node.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = lines.readLine()) != null; ) {
                        JsonNode event = JobsJson.mapper().readTree(line);
                        events.add(event);
                        if (event.path("event").asText().equals("ready")) {
                            // the deployment reaches the device: the service announces the next job
                            jobs.executionsChanged("dev1");
                        }
                    }
                }
                assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(node.exitValue())
                        .as(
                                "node exit; events %s; stderr %s; broker log %s",
                                events,
                                java.nio.file.Files.readString(tmp.resolve("node.err")),
                                broker.log())
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
                                    assertThat(e.path("event").asText())
                                            .isEqualTo("update-rejected");
                                    assertThat(e.path("code").asText())
                                            .isEqualTo("VersionMismatch");
                                    assertThat(e.path("state").path("versionNumber").asLong())
                                            .isEqualTo(3);
                                });
                assertThat(events)
                        .anySatisfy(
                                e -> {
                                    assertThat(e.path("event").asText())
                                            .isEqualTo("update-accepted");
                                    assertThat(e.path("clientToken").asText()).isEqualTo("done");
                                    assertThat(e.path("state").path("status").asText())
                                            .isEqualTo("SUCCEEDED");
                                });
                assertThat(
                                events.stream()
                                        .filter(e -> e.path("event").asText().equals("notify-next"))
                                        .map(
                                                e ->
                                                        e.path("jobId").isNull()
                                                                ? "-"
                                                                : e.path("jobId").asText())
                                        .toList())
                        .containsExactly("ota-1", "-");

                JobExecution done = backend.execution("dev1", "ota-1", null).orElseThrow();
                assertThat(done.status()).isEqualTo(JobExecutionStatus.SUCCEEDED);
                assertThat(done.versionNumber()).isEqualTo(4);
                assertThat(done.statusDetails()).containsEntry("updatedBy", "2.0.0");
                // dev1's publish on dev2's update topic never reached the service
                assertThat(backend.execution("dev2", "ota-other", null).orElseThrow().status())
                        .isEqualTo(JobExecutionStatus.QUEUED);
                assertThat(broker.log()).contains("Denied PUBLISH from dev1");
            }
        }
    }
}
