package dev.meerkat.fleet.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.cloud.aws.jobs.JobExecution;
import dev.meerkat.cloud.aws.jobs.JobExecutionStatus;
import dev.meerkat.cloud.aws.jobs.JobsProtocolException;
import dev.meerkat.cloud.aws.jobs.RejectedErrorCode;
import dev.meerkat.cloud.aws.jobs.StartNextPendingJobExecutionRequest;
import dev.meerkat.cloud.aws.jobs.UpdateJobExecutionRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.net.URI;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.AbortAction;
import software.amazon.awssdk.services.iot.model.CertificateStatus;
import software.amazon.awssdk.services.iot.model.DescribeJobResponse;
import software.amazon.awssdk.services.iot.model.InvalidRequestException;
import software.amazon.awssdk.services.iot.model.JobExecutionFailureType;
import software.amazon.awssdk.services.iot.model.JobStatus;
import software.amazon.awssdk.services.iot.model.ResourceAlreadyExistsException;
import software.amazon.awssdk.services.iot.model.ResourceNotFoundException;
import software.amazon.awssdk.services.iot.model.UnauthorizedException;

/**
 * The unmodified AWS SDK for Java v2 {@code IotClient} (endpoint override, SigV4 with a configured
 * access key) registers things and creates a job with an abort configuration against fleet-service;
 * the things report through the Jobs backend the MQTT API runs on, and the fleet rollout engine
 * fires the abort when the threshold is crossed.
 */
@QuarkusTest
@TestProfile(AwsProfile.class)
class IotSdkAgainstFleetTest {

    @Inject FleetJobsBackend devices;

    private IotClient deployer;
    private IotClient registrar;
    private IotClient viewer;

    @BeforeEach
    void clients() {
        deployer = client(AwsProfile.DEPLOYER);
        registrar = client(AwsProfile.REGISTRAR);
        viewer = client(AwsProfile.VIEWER);
    }

    @AfterEach
    void close() {
        deployer.close();
        registrar.close();
        viewer.close();
    }

    static IotClient client(String keyId) {
        return IotClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + RestAssured.port))
                .region(Region.of(AwsProfile.REGION))
                .credentialsProvider(
                        StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(keyId, AwsProfile.SECRET)))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @Test
    void jobWithAbortConfigIsCanceledWhenFailuresCrossTheThreshold() throws Exception {
        String group = "abort-fleet";
        String groupArn = registrar.createThingGroup(b -> b.thingGroupName(group)).thingGroupArn();
        assertThat(groupArn).isEqualTo("arn:aws:iot:eu-west-1:123456789012:thinggroup/" + group);
        for (int i = 0; i < 4; i++) {
            String thing = "abort-thing-" + i;
            registrar.createThing(
                    b ->
                            b.thingName(thing)
                                    .attributePayload(a -> a.attributes(Map.of("model", "m1"))));
            registrar.addThingToThingGroup(b -> b.thingGroupName(group).thingName(thing));
        }
        // idempotent registration: the existing resources come back in the error
        assertThatThrownBy(() -> registrar.createThing(b -> b.thingName("abort-thing-0")))
                .isInstanceOfSatisfying(
                        ResourceAlreadyExistsException.class,
                        e ->
                                assertThat(e.resourceArn())
                                        .isEqualTo(
                                                "arn:aws:iot:eu-west-1:123456789012:thing/abort-thing-0"));
        X509Certificate cert = selfSigned("abort-thing-0");
        String pem =
                "-----BEGIN CERTIFICATE-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes())
                                .encodeToString(cert.getEncoded())
                        + "\n-----END CERTIFICATE-----\n";
        var registered =
                registrar.registerCertificateWithoutCA(
                        b -> b.certificatePem(pem).status(CertificateStatus.ACTIVE));
        assertThat(registered.certificateId())
                .isEqualTo(
                        HexFormat.of()
                                .formatHex(
                                        MessageDigest.getInstance("SHA-256")
                                                .digest(cert.getEncoded())));
        registrar.attachPolicy(
                b -> b.policyName("meerkat-things").target(registered.certificateArn()));
        registrar.attachThingPrincipal(
                b -> b.thingName("abort-thing-0").principal(registered.certificateArn()));

        // a viewer may read but not deploy; the registrar may not deploy either
        assertThatThrownBy(
                        () ->
                                viewer.createJob(
                                        b -> b.jobId("nope").targets(groupArn).document("{}")))
                .isInstanceOf(UnauthorizedException.class);

        String document =
                "{\"afr_ota\":{\"protocols\":[\"HTTP\"],\"files\":[{\"filepath\":\"/fw.bin\","
                        + "\"filesize\":1024,\"fileid\":0,\"certfile\":\"sig\","
                        + "\"update_data_url\":\"https://example.invalid/fw.bin\","
                        + "\"sig-sha256-ecdsa\":\"MEUCIQ==\"}]}}";
        deployer.createJob(
                b ->
                        b.jobId("abort-job")
                                .targets(groupArn)
                                .document(document)
                                .description("abort when half the things fail")
                                .abortConfig(
                                        a ->
                                                a.criteriaList(
                                                        c ->
                                                                c.failureType(
                                                                                JobExecutionFailureType
                                                                                        .FAILED)
                                                                        .action(AbortAction.CANCEL)
                                                                        .thresholdPercentage(50.0)
                                                                        .minNumberOfExecutedThings(
                                                                                2)))
                                .timeoutConfig(t -> t.inProgressTimeoutInMinutes(30L)));

        DescribeJobResponse created = viewer.describeJob(b -> b.jobId("abort-job"));
        assertThat(created.job().status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(created.job().abortConfig().criteriaList().get(0).thresholdPercentage())
                .isEqualTo(50.0);

        // the rollout engine releases the executions; each thing sees the job as pending
        List<JobExecution> pending =
                await(() -> devices.pending("abort-thing-0"), l -> !l.isEmpty());
        assertThat(pending.get(0).jobId()).isEqualTo("abort-job");
        assertThat(
                        pending.get(0)
                                .jobDocument()
                                .path("afr_ota")
                                .path("files")
                                .get(0)
                                .path("filesize")
                                .asInt())
                .isEqualTo(1024);

        // two things start and fail (one with a rollback reason); an expectedVersion conflict is
        // refused
        for (String thing : List.of("abort-thing-0", "abort-thing-1")) {
            await(() -> devices.pending(thing), l -> !l.isEmpty());
            JobExecution started =
                    devices.startNext(
                                    thing,
                                    new StartNextPendingJobExecutionRequest(
                                            Map.of("progress", "0%"), null, null))
                            .orElseThrow();
            assertThat(started.status()).isEqualTo(JobExecutionStatus.IN_PROGRESS);
            assertThatThrownBy(
                            () ->
                                    devices.update(
                                            thing,
                                            "abort-job",
                                            update(
                                                    JobExecutionStatus.IN_PROGRESS,
                                                    Map.of("progress", "50%"),
                                                    started.versionNumber() + 7)))
                    .isInstanceOfSatisfying(
                            JobsProtocolException.class,
                            e -> assertThat(e.code()).isEqualTo(RejectedErrorCode.VersionMismatch));
            devices.update(
                    thing,
                    "abort-job",
                    update(
                            JobExecutionStatus.FAILED,
                            Map.of("rollbackReason", "IMAGE_NOT_CONFIRMED"),
                            started.versionNumber()));
        }

        DescribeJobResponse aborted =
                await(
                        () -> viewer.describeJob(b -> b.jobId("abort-job")),
                        d -> d.job().status() == JobStatus.CANCELED);
        assertThat(aborted.job().comment()).contains("abort criterion met");
        assertThat(aborted.job().jobProcessDetails().numberOfFailedThings()).isEqualTo(2);
        assertThat(aborted.job().jobProcessDetails().numberOfCanceledThings()).isEqualTo(2);

        var executions = viewer.listJobExecutionsForJob(b -> b.jobId("abort-job"));
        assertThat(executions.executionSummaries()).hasSize(4);
        var failed =
                viewer.describeJobExecution(b -> b.jobId("abort-job").thingName("abort-thing-1"))
                        .execution();
        assertThat(failed.statusAsString()).isEqualTo("FAILED");
        assertThat(failed.statusDetails().detailsMap())
                .containsEntry("rollbackReason", "IMAGE_NOT_CONFIRMED");
        assertThat(devices.pending("abort-thing-3")).isEmpty();
        assertThatThrownBy(
                        () ->
                                devices.update(
                                        "abort-thing-3",
                                        "abort-job",
                                        update(JobExecutionStatus.IN_PROGRESS, null, null)))
                .isInstanceOfSatisfying(
                        JobsProtocolException.class,
                        e ->
                                assertThat(e.code())
                                        .isEqualTo(RejectedErrorCode.TerminalStateReached));
    }

    @Test
    void refusalsAreAwsErrors() {
        assertThatThrownBy(() -> viewer.describeJob(b -> b.jobId("no-such-job")))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(
                        () ->
                                deployer.createJob(
                                        b ->
                                                b.jobId("bad-target")
                                                        .targets("arn:aws:iot:us-east-1:1:thing/x")
                                                        .document("{}")))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("region and account");
        IotClient stranger =
                IotClient.builder()
                        .endpointOverride(URI.create("http://127.0.0.1:" + RestAssured.port))
                        .region(Region.of(AwsProfile.REGION))
                        .credentialsProvider(
                                StaticCredentialsProvider.create(
                                        AwsBasicCredentials.create(
                                                AwsProfile.VIEWER, "not-the-secret-of-this-key")))
                        .httpClient(UrlConnectionHttpClient.create())
                        .build();
        try (stranger) {
            assertThatThrownBy(() -> stranger.describeJob(b -> b.jobId("x")))
                    .isInstanceOfSatisfying(
                            software.amazon.awssdk.services.iot.model.IotException.class,
                            e -> {
                                assertThat(e.statusCode()).isEqualTo(403);
                                assertThat(e.awsErrorDetails().errorCode())
                                        .isEqualTo("InvalidSignatureException");
                            });
        }
    }

    private static UpdateJobExecutionRequest update(
            JobExecutionStatus status, Map<String, String> details, Long expectedVersion) {
        return new UpdateJobExecutionRequest(
                status, details, expectedVersion, null, null, null, null, null);
    }

    private static <T> T await(Supplier<T> probe, java.util.function.Predicate<T> done)
            throws InterruptedException {
        Instant end = Instant.now().plus(Duration.ofSeconds(60));
        T last = probe.get();
        while (!done.test(last)) {
            if (Instant.now().isAfter(end))
                throw new AssertionError("gave up waiting; last: " + last);
            Thread.sleep(100);
            last = probe.get();
        }
        return last;
    }

    static X509Certificate selfSigned(String cn) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair kp = g.generateKeyPair();
        X500Name name = new X500Name("CN=" + cn);
        Instant now = Instant.now();
        var builder =
                new JcaX509v3CertificateBuilder(
                        name,
                        BigInteger.valueOf(now.toEpochMilli()),
                        java.util.Date.from(now.minusSeconds(60)),
                        java.util.Date.from(now.plus(Duration.ofDays(1))),
                        name,
                        kp.getPublic());
        return new JcaX509CertificateConverter()
                .getCertificate(
                        builder.build(
                                new JcaContentSignerBuilder("SHA256withECDSA")
                                        .build(kp.getPrivate())));
    }
}
