package dev.meerkat.fleet.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.cli.Meerkat;
import dev.meerkat.cloud.aws.jobs.JobExecution;
import dev.meerkat.cloud.aws.jobs.JobExecutionStatus;
import dev.meerkat.cloud.aws.jobs.StartNextPendingJobExecutionRequest;
import dev.meerkat.cloud.aws.jobs.UpdateJobExecutionRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meerkat cloud aws register | deploy | status --endpoint} against fleet-service's
 * AWS-compatible endpoint, as a pipeline would run them (credentials from the SDK's default chain,
 * here its system properties): things registered from a provisioning record (a repeated run
 * registers nothing twice), a job deployed to their thing group, the things run it, and {@code
 * status --follow} ends with the job COMPLETED.
 */
@QuarkusTest
@TestProfile(AwsProfile.class)
class CloudAwsCliAgainstFleetTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject FleetJobsBackend devices;

    @TempDir Path tmp;

    record Run(int exit, String out, String err) {}

    @Test
    void registerDeployAndFollowAJobThroughTheCli() throws Exception {
        StringBuilder log = new StringBuilder();
        List<String> serials = List.of("0123aabbccdd000001", "0123aabbccdd000002");
        for (String serial : serials) {
            var cert = IotSdkAgainstFleetTest.selfSigned("chip-" + serial);
            String pem =
                    "-----BEGIN CERTIFICATE-----\n"
                            + Base64.getMimeEncoder(64, "\n".getBytes())
                                    .encodeToString(cert.getEncoded())
                            + "\n-----END CERTIFICATE-----\n";
            String fp =
                    HexFormat.of()
                            .formatHex(
                                    MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
            log.append(
                            JSON.writeValueAsString(
                                    Map.of(
                                            "serial",
                                            serial,
                                            "fingerprint",
                                            fp,
                                            "certificatePem",
                                            pem)))
                    .append('\n');
        }
        Path record = Files.writeString(tmp.resolve("provisioning.jsonl"), log);

        Run first =
                cli(
                        AwsProfile.REGISTRAR,
                        "cloud",
                        "aws",
                        "register",
                        "--log",
                        record.toString(),
                        "--policy",
                        "meerkat-device",
                        "--thing-group",
                        "factory-cli",
                        "--json");
        assertThat(first.exit()).as(first.toString()).isZero();
        JsonNode registered = JSON.readTree(first.out());
        assertThat(registered.path("registered")).hasSize(2);
        assertThat(registered.path("registered").get(0).path("thingArn").asText())
                .isEqualTo("arn:aws:iot:eu-west-1:123456789012:thing/chip-" + serials.get(0));
        Files.delete(tmp.resolve("provisioning.jsonl.aws.jsonl"));
        // without its state file the run starts over; every step finds its resource and moves on
        Run again =
                cli(
                        AwsProfile.REGISTRAR,
                        "cloud",
                        "aws",
                        "register",
                        "--log",
                        record.toString(),
                        "--policy",
                        "meerkat-device",
                        "--thing-group",
                        "factory-cli");
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(again.out()).endsWith("2 registered, 0 already registered\n");

        Run deploy =
                cli(
                        AwsProfile.DEPLOYER,
                        "cloud",
                        "aws",
                        "deploy",
                        "--job-id",
                        "cli-job",
                        "--thing-group",
                        "factory-cli",
                        "--url",
                        "https://fleet.example/fw.bin",
                        "--size",
                        "4096",
                        "--signature",
                        "MEUCIQ==",
                        "--filepath",
                        "/fw.bin",
                        "--base-rate",
                        "600",
                        "--increase-after-succeeded",
                        "1",
                        "--abort-percent",
                        "50",
                        "--abort-min-executed",
                        "2",
                        "--abort-on",
                        "FAILED",
                        "--in-progress-timeout",
                        "30",
                        "--retry-failed",
                        "1",
                        "--json");
        assertThat(deploy.exit()).as(deploy.toString()).isZero();
        assertThat(JSON.readTree(deploy.out()).path("jobArn").asText())
                .isEqualTo("arn:aws:iot:eu-west-1:123456789012:job/cli-job");

        for (String serial : serials) {
            String thing = "chip-" + serial;
            Instant end = Instant.now().plus(Duration.ofSeconds(60));
            while (devices.pending(thing).isEmpty()) {
                assertThat(Instant.now()).as(thing + " is offered the job").isBefore(end);
                Thread.sleep(100);
            }
            JobExecution started =
                    devices.startNext(
                                    thing,
                                    new StartNextPendingJobExecutionRequest(null, null, null))
                            .orElseThrow();
            assertThat(
                            started.jobDocument()
                                    .path("afr_ota")
                                    .path("files")
                                    .get(0)
                                    .path("filesize")
                                    .asLong())
                    .isEqualTo(4096);
            devices.update(
                    thing,
                    "cli-job",
                    new UpdateJobExecutionRequest(
                            JobExecutionStatus.SUCCEEDED,
                            Map.of("version", "2.0.0"),
                            started.versionNumber(),
                            null,
                            null,
                            null,
                            null,
                            null));
        }

        Run status =
                cli(
                        AwsProfile.VIEWER,
                        "cloud",
                        "aws",
                        "status",
                        "cli-job",
                        "--follow",
                        "--interval",
                        "1",
                        "--json");
        assertThat(status.exit()).as(status.toString()).isZero();
        JsonNode s = JSON.readTree(status.out().lines().reduce((a, b) -> b).orElseThrow());
        assertThat(s.path("status").asText()).isEqualTo("COMPLETED");
        List<String> things = new ArrayList<>();
        s.path("things").forEach(t -> things.add(t.toString()));
        assertThat(things).hasSize(2).allMatch(t -> t.contains("SUCCEEDED"));
    }

    private static synchronized Run cli(String keyId, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(
                List.of(
                        "--region",
                        AwsProfile.REGION,
                        "--endpoint",
                        "http://127.0.0.1:" + RestAssured.port));
        System.setProperty("aws.accessKeyId", keyId);
        System.setProperty("aws.secretAccessKey", AwsProfile.SECRET);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try {
            int rc =
                    Meerkat.run(
                            all.toArray(String[]::new),
                            new PrintWriter(out, true),
                            new PrintWriter(err, true));
            return new Run(rc, out.toString(), err.toString());
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
    }
}
