package dev.meerkat.cloud.aws.sigv4;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.meerkat.cloud.aws.control.CreateJobRequest;
import dev.meerkat.cloud.aws.control.CreateJobResponse;
import dev.meerkat.cloud.aws.control.DescribeJobExecutionResponse;
import dev.meerkat.cloud.aws.control.DescribeJobResponse;
import dev.meerkat.cloud.aws.control.IotOperation;
import dev.meerkat.cloud.aws.control.Job;
import dev.meerkat.cloud.aws.control.JobConfigs;
import dev.meerkat.cloud.aws.control.ListJobExecutionsForJobResponse;
import dev.meerkat.cloud.aws.control.Things;
import dev.meerkat.cloud.aws.jobs.JobsJson;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.AbortAction;
import software.amazon.awssdk.services.iot.model.AbortCriteria;
import software.amazon.awssdk.services.iot.model.JobExecutionFailureType;
import software.amazon.awssdk.services.iot.model.JobExecutionStatus;
import software.amazon.awssdk.services.iot.model.JobStatus;
import software.amazon.awssdk.services.iot.model.RetryCriteria;
import software.amazon.awssdk.services.iot.model.RetryableFailureType;
import software.amazon.awssdk.services.iotjobsdataplane.IotJobsDataPlaneClient;

/**
 * The unmodified AWS SDK for Java v2 (IotClient 2.40.2, endpoint override) against a JDK
 * HttpServer: every request it sends routes to the expected operation, its body reads into our
 * shapes and writes back to the same JSON, our response shapes parse in the SDK, and {@link
 * SigV4Verifier} accepts each captured request and refuses each tampered variant.
 */
class IotSdkWireTest {

    private static final String KEY_ID = "AKIAMEERKATTEST0001";
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private static final String ARN = "arn:aws:iot:us-east-1:123456789012:";

    record Captured(
            String method,
            String rawPath,
            String rawQuery,
            Map<String, List<String>> headers,
            byte[] body) {
        SignedRequest signed() {
            return new SignedRequest(method, rawPath, rawQuery, headers, body);
        }
    }

    private final List<Captured> captured = new ArrayList<>();
    private HttpServer server;
    private URI endpoint;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
        endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(256 * 1024);
        }
        Map<String, List<String>> headers = new HashMap<>(ex.getRequestHeaders());
        Captured c =
                new Captured(
                        ex.getRequestMethod(),
                        ex.getRequestURI().getRawPath(),
                        ex.getRequestURI().getRawQuery(),
                        headers,
                        body);
        synchronized (captured) {
            captured.add(c);
        }
        Object response =
                IotOperation.route(c.method(), c.rawPath()).map(m -> respond(m)).orElse(Map.of());
        byte[] out = JobsJson.write(response);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }

    private static Object respond(IotOperation.Match m) {
        Map<String, String> p = m.pathParameters();
        return switch (m.operation()) {
            case CREATE_JOB, CANCEL_JOB ->
                    new CreateJobResponse(ARN + "job/" + p.get("jobId"), p.get("jobId"), "d");
            case DESCRIBE_JOB ->
                    new DescribeJobResponse(
                            null,
                            new Job(
                                    ARN + "job/" + p.get("jobId"),
                                    p.get("jobId"),
                                    "SNAPSHOT",
                                    "IN_PROGRESS",
                                    false,
                                    null,
                                    null,
                                    List.of(ARN + "thinggroup/canary"),
                                    "d",
                                    null,
                                    null,
                                    new JobConfigs.AbortConfig(
                                            List.of(
                                                    new JobConfigs.AbortCriteria(
                                                            "FAILED", "CANCEL", 20.0, 10))),
                                    1_700_000_000L,
                                    1_700_000_100L,
                                    null,
                                    new Job.JobProcessDetails(null, 0, 7, 1, 0, 2, 3, 0, 0),
                                    new JobConfigs.TimeoutConfig(30L),
                                    null));
            case LIST_JOB_EXECUTIONS_FOR_JOB ->
                    new ListJobExecutionsForJobResponse(
                            List.of(
                                    new ListJobExecutionsForJobResponse.Entry(
                                            ARN + "thing/dev1",
                                            new ListJobExecutionsForJobResponse.Summary(
                                                    "SUCCEEDED",
                                                    1_700_000_000L,
                                                    1_700_000_010L,
                                                    1_700_000_020L,
                                                    1L,
                                                    0))),
                            "next-2");
            case DESCRIBE_JOB_EXECUTION ->
                    new DescribeJobExecutionResponse(
                            new DescribeJobExecutionResponse.Execution(
                                    p.get("jobId"),
                                    "IN_PROGRESS",
                                    false,
                                    new DescribeJobExecutionResponse.StatusDetails(
                                            Map.of("progress", "40")),
                                    ARN + "thing/" + p.get("thingName"),
                                    1_700_000_000L,
                                    1_700_000_010L,
                                    1_700_000_020L,
                                    1L,
                                    3L,
                                    120L));
            case CREATE_THING ->
                    new Things.CreateThingResponse(
                            p.get("thingName"), ARN + "thing/" + p.get("thingName"), "id-1");
            case CREATE_THING_GROUP ->
                    new Things.CreateThingGroupResponse(
                            p.get("thingGroupName"),
                            ARN + "thinggroup/" + p.get("thingGroupName"),
                            "g-1");
            case REGISTER_CERTIFICATE_WITHOUT_CA ->
                    new Things.RegisterCertificateResponse(ARN + "cert/abc", "abc");
            case ADD_THING_TO_THING_GROUP, ATTACH_THING_PRINCIPAL -> Map.of();
        };
    }

    private IotClient iot() {
        return IotClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(
                        StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(KEY_ID, SECRET)))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    private SigV4Verifier verifier(Clock clock) {
        return new SigV4Verifier(
                List.of(new AccessKey(KEY_ID, SECRET, "pipeline")),
                "us-east-1",
                Set.of("iot", "iot-jobs-data"),
                clock,
                SigV4Verifier.DEFAULT_MAX_SKEW);
    }

    @Test
    void everySdkRequestRoutesParsesAndVerifies() throws Exception {
        try (IotClient iot = iot()) {
            assertThat(
                            iot.createJob(
                                            b ->
                                                    b.jobId("ota-42")
                                                            .targets(ARN + "thinggroup/canary")
                                                            .document("{\"afr_ota\":{}}")
                                                            .targetSelection("SNAPSHOT")
                                                            .presignedUrlConfig(
                                                                    p ->
                                                                            p.roleArn(
                                                                                            "arn:aws:iam::123456789012:role/ota")
                                                                                    .expiresInSec(
                                                                                            3600L))
                                                            .jobExecutionsRolloutConfig(
                                                                    r ->
                                                                            r.maximumPerMinute(100)
                                                                                    .exponentialRate(
                                                                                            e ->
                                                                                                    e.baseRatePerMinute(
                                                                                                                    10)
                                                                                                            .incrementFactor(
                                                                                                                    2.0)
                                                                                                            .rateIncreaseCriteria(
                                                                                                                    c ->
                                                                                                                            c
                                                                                                                                    .numberOfSucceededThings(
                                                                                                                                            5))))
                                                            .abortConfig(
                                                                    a ->
                                                                            a.criteriaList(
                                                                                    AbortCriteria
                                                                                            .builder()
                                                                                            .failureType(
                                                                                                    JobExecutionFailureType
                                                                                                            .FAILED)
                                                                                            .action(
                                                                                                    AbortAction
                                                                                                            .CANCEL)
                                                                                            .thresholdPercentage(
                                                                                                    20.0)
                                                                                            .minNumberOfExecutedThings(
                                                                                                    10)
                                                                                            .build()))
                                                            .timeoutConfig(
                                                                    t ->
                                                                            t
                                                                                    .inProgressTimeoutInMinutes(
                                                                                            30L))
                                                            .jobExecutionsRetryConfig(
                                                                    r ->
                                                                            r.criteriaList(
                                                                                    RetryCriteria
                                                                                            .builder()
                                                                                            .failureType(
                                                                                                    RetryableFailureType
                                                                                                            .TIMED_OUT)
                                                                                            .numberOfRetries(
                                                                                                    2)
                                                                                            .build())))
                                    .jobArn())
                    .isEqualTo(ARN + "job/ota-42");
            var job = iot.describeJob(b -> b.jobId("ota-42")).job();
            assertThat(job.status()).isEqualTo(JobStatus.IN_PROGRESS);
            assertThat(job.jobProcessDetails().numberOfSucceededThings()).isEqualTo(7);
            assertThat(job.abortConfig().criteriaList().get(0).thresholdPercentage())
                    .isEqualTo(20.0);
            assertThat(job.createdAt().getEpochSecond()).isEqualTo(1_700_000_000L);
            assertThat(
                            iot.cancelJob(
                                            b ->
                                                    b.jobId("ota-42")
                                                            .force(true)
                                                            .reasonCode("bad_build"))
                                    .jobId())
                    .isEqualTo("ota-42");
            var list =
                    iot.listJobExecutionsForJob(
                            b ->
                                    b.jobId("ota-42")
                                            .status(JobExecutionStatus.SUCCEEDED)
                                            .maxResults(10));
            assertThat(list.executionSummaries().get(0).jobExecutionSummary().status())
                    .isEqualTo(JobExecutionStatus.SUCCEEDED);
            assertThat(list.nextToken()).isEqualTo("next-2");
            var execution =
                    iot.describeJobExecution(b -> b.jobId("ota-42").thingName("dev1")).execution();
            assertThat(execution.statusDetails().detailsMap()).containsEntry("progress", "40");
            assertThat(execution.versionNumber()).isEqualTo(3);
            assertThat(
                            iot.createThing(
                                            b ->
                                                    b.thingName("chip-0123ee")
                                                            .attributePayload(
                                                                    a ->
                                                                            a.attributes(
                                                                                    Map.of(
                                                                                            "serial",
                                                                                            "0123ee"))))
                                    .thingArn())
                    .isEqualTo(ARN + "thing/chip-0123ee");
            assertThat(iot.createThingGroup(b -> b.thingGroupName("canary")).thingGroupArn())
                    .isEqualTo(ARN + "thinggroup/canary");
            iot.addThingToThingGroup(b -> b.thingGroupName("canary").thingName("chip-0123ee"));
            assertThat(
                            iot.registerCertificateWithoutCA(
                                            b ->
                                                    b.certificatePem(
                                                                    "-----BEGIN CERTIFICATE-----\nMIIB"
                                                                            + "\n-----END CERTIFICATE-----\n")
                                                            .status("ACTIVE"))
                                    .certificateId())
                    .isEqualTo("abc");
            iot.attachThingPrincipal(b -> b.thingName("chip-0123ee").principal(ARN + "cert/abc"));
        }
        try (IotJobsDataPlaneClient data =
                IotJobsDataPlaneClient.builder()
                        .endpointOverride(endpoint)
                        .region(Region.US_EAST_1)
                        .httpClient(UrlConnectionHttpClient.create())
                        .credentialsProvider(
                                StaticCredentialsProvider.create(
                                        AwsBasicCredentials.create(KEY_ID, SECRET)))
                        .build()) {
            data.startNextPendingJobExecution(
                    b -> b.thingName("chip-0123ee").stepTimeoutInMinutes(5L));
        }

        List<IotOperation> expected =
                List.of(
                        IotOperation.CREATE_JOB,
                        IotOperation.DESCRIBE_JOB,
                        IotOperation.CANCEL_JOB,
                        IotOperation.LIST_JOB_EXECUTIONS_FOR_JOB,
                        IotOperation.DESCRIBE_JOB_EXECUTION,
                        IotOperation.CREATE_THING,
                        IotOperation.CREATE_THING_GROUP,
                        IotOperation.ADD_THING_TO_THING_GROUP,
                        IotOperation.REGISTER_CERTIFICATE_WITHOUT_CA,
                        IotOperation.ATTACH_THING_PRINCIPAL);
        assertThat(captured).hasSize(expected.size() + 1);
        for (int i = 0; i < expected.size(); i++) {
            Captured c = captured.get(i);
            IotOperation op = expected.get(i);
            assertThat(IotOperation.route(c.method(), c.rawPath()))
                    .as(c.method() + " " + c.rawPath())
                    .hasValueSatisfying(m -> assertThat(m.operation()).isEqualTo(op));
        }
        // CreateJob's body reads into our shape, passes validation and writes back to the same JSON
        JsonNode createJob = JobsJson.mapper().readTree(captured.get(0).body());
        CreateJobRequest shape =
                JobsJson.mapper().treeToValue(createJob, CreateJobRequest.class).validate();
        assertThat(new String(JobsJson.write(shape), StandardCharsets.UTF_8))
                .isEqualTo(new String(captured.get(0).body(), StandardCharsets.UTF_8));
        assertThat(captured.get(2).rawQuery()).isEqualTo("force=true");
        assertThat(captured.get(9).signed().header(Things.PRINCIPAL_HEADER))
                .isEqualTo(ARN + "cert/abc");
        Captured startNext = captured.get(expected.size());
        // sent literally; signed as %24next (every segment encoded once more)
        assertThat(startNext.rawPath()).isEqualTo("/things/chip-0123ee/jobs/$next");

        SigV4Verifier verifier = verifier(Clock.systemUTC());
        for (Captured c : captured) {
            assertThat(verifier.verify(c.signed()))
                    .as(c.method() + " " + c.rawPath())
                    .isInstanceOf(Verification.Verified.class);
        }
        assertThat(verifier.verify(startNext.signed()))
                .isEqualTo(new Verification.Verified(KEY_ID, "pipeline", "iot-jobs-data"));
    }

    @Test
    void tamperedRequestsAreRefused() {
        try (IotClient iot = iot()) {
            iot.createJob(
                    b ->
                            b.jobId("ota-7")
                                    .targets(ARN + "thinggroup/canary")
                                    .document("{\"afr_ota\":{}}"));
            iot.cancelJob(b -> b.jobId("ota-7").force(false));
        }
        Captured create = captured.get(0);
        Captured cancel = captured.get(1);
        SigV4Verifier verifier = verifier(Clock.systemUTC());
        assertThat(verifier.verify(create.signed())).isInstanceOf(Verification.Verified.class);

        byte[] body = create.body().clone();
        body[body.length - 3] ^= 1;
        // the SDK sends x-amz-content-sha256: the body no longer matches it
        assertRefused(
                verifier,
                new SignedRequest("PUT", create.rawPath(), null, create.headers(), body),
                "x-amz-content-sha256");
        Map<String, List<String>> noHash = new HashMap<>(create.headers());
        noHash.keySet().removeIf(k -> k.equalsIgnoreCase("x-amz-content-sha256"));
        assertRefused(
                verifier,
                new SignedRequest("PUT", create.rawPath(), null, noHash, body),
                "signed header");
        assertRefused(
                verifier,
                new SignedRequest("PUT", "/jobs/ota-8", null, create.headers(), create.body()),
                "signature");
        assertRefused(
                verifier,
                new SignedRequest("POST", create.rawPath(), null, create.headers(), create.body()),
                "signature");
        assertRefused(
                verifier,
                new SignedRequest(
                        "PUT", cancel.rawPath(), "force=true", cancel.headers(), cancel.body()),
                "signature");
        assertRefused(verifier, withHeader(create, "host", "evil.example"), "signature");
        assertRefused(verifier, withHeader(create, "x-amz-meta", "x"), "not signed");
        assertRefused(
                verifier,
                withHeader(create, "x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
                "x-amz-content-sha256");
        Map<String, List<String>> noAuth = new HashMap<>(create.headers());
        noAuth.keySet().removeIf(k -> k.equalsIgnoreCase("authorization"));
        assertThat(
                        verifier.verify(
                                new SignedRequest(
                                        "PUT", create.rawPath(), null, noAuth, create.body())))
                .isEqualTo(
                        new Verification.Refused(
                                "MissingAuthenticationTokenException", "request is not signed"));

        Clock later = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(16));
        assertRefused(verifier(later), create.signed(), "minutes");
        SigV4Verifier otherSecret =
                new SigV4Verifier(
                        List.of(new AccessKey(KEY_ID, SECRET.replace('w', 'v'), "x")),
                        "us-east-1",
                        Set.of("iot"),
                        Clock.systemUTC(),
                        SigV4Verifier.DEFAULT_MAX_SKEW);
        assertRefused(otherSecret, create.signed(), "signature does not match");
        SigV4Verifier otherRegion =
                new SigV4Verifier(
                        List.of(new AccessKey(KEY_ID, SECRET, "x")),
                        "eu-west-1",
                        Set.of("iot"),
                        Clock.systemUTC(),
                        SigV4Verifier.DEFAULT_MAX_SKEW);
        assertRefused(otherRegion, create.signed(), "region");
        SigV4Verifier otherKey =
                new SigV4Verifier(
                        List.of(new AccessKey("AKIAOTHERKEY00000001", SECRET, "x")),
                        "us-east-1",
                        Set.of("iot"),
                        Clock.systemUTC(),
                        SigV4Verifier.DEFAULT_MAX_SKEW);
        assertThat(otherKey.verify(create.signed()))
                .isEqualTo(
                        new Verification.Refused(
                                "UnrecognizedClientException", "unknown access key"));
    }

    private static SignedRequest withHeader(Captured c, String name, String value) {
        Map<String, List<String>> headers = new HashMap<>();
        c.headers()
                .forEach(
                        (k, v) -> {
                            if (!k.equalsIgnoreCase(name)) {
                                headers.put(k, v);
                            }
                        });
        headers.put(name, List.of(value));
        return new SignedRequest(c.method(), c.rawPath(), c.rawQuery(), headers, c.body());
    }

    private static void assertRefused(
            SigV4Verifier verifier, SignedRequest request, String reasonPart) {
        Verification v = verifier.verify(request);
        assertThat(v)
                .isInstanceOfSatisfying(
                        Verification.Refused.class,
                        r -> assertThat(r.reason()).contains(reasonPart));
    }

    @Test
    void keySecretsStayOutOfStrings() {
        assertThat(new AccessKey(KEY_ID, SECRET, "pipeline").toString())
                .doesNotContain(SECRET)
                .contains("redacted");
        assertThat(new String(new byte[0], StandardCharsets.UTF_8)).isEmpty();
    }
}
