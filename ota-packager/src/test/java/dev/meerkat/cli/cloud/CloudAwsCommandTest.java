package dev.meerkat.cli.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.meerkat.cli.Cli;
import dev.meerkat.cloud.aws.control.CreateJobRequest;
import dev.meerkat.cloud.aws.control.CreateJobResponse;
import dev.meerkat.cloud.aws.control.DescribeJobResponse;
import dev.meerkat.cloud.aws.control.IotError;
import dev.meerkat.cloud.aws.control.IotOperation;
import dev.meerkat.cloud.aws.control.Job;
import dev.meerkat.cloud.aws.control.ListJobExecutionsForJobResponse;
import dev.meerkat.cloud.aws.jobs.JobsJson;
import dev.meerkat.cloud.aws.ota.AfrOtaDocument;
import dev.meerkat.cloud.aws.sigv4.AccessKey;
import dev.meerkat.cloud.aws.sigv4.SigV4Verifier;
import dev.meerkat.cloud.aws.sigv4.SignedRequest;
import dev.meerkat.cloud.aws.sigv4.Verification;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meerkat cloud aws} end to end: publish through S3Proxy (credentials from the AWS default
 * provider chain, here its system-property provider), presigned URLs fetched with plain HTTP;
 * deploy and status against a small IoT endpoint that verifies each request's SigV4 signature and
 * answers with Meerkat's control-plane shapes.
 */
class CloudAwsCommandTest {

    private static final String KEY_ID = "AKIAMEERKATCLITEST1";
    private static final String SECRET = "cli-test-secret-0123456789abcdefghij";

    @TempDir Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void credentials() {
        System.setProperty("aws.accessKeyId", KEY_ID);
        System.setProperty("aws.secretAccessKey", SECRET);
    }

    @AfterEach
    void forget() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    private int get(String url) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create(url)).build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    @Test
    void publishRoundTripsThroughS3ProxyWithPresignedUrls() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store/releases"));
        byte[] content = new byte[200_000];
        new Random(3).nextBytes(content);
        Path fw = Files.write(tmp.resolve("fw.zip"), content);
        S3Proxy proxy =
                S3Proxy.builder()
                        .blobStore(new FilesystemNio2BlobStore(store.getParent().toString()))
                        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, KEY_ID, SECRET)
                        .endpoint(URI.create("http://127.0.0.1:0"))
                        .stopTimeout(0)
                        .build();
        proxy.start();
        while (!"STARTED".equals(proxy.getState())) {
            Thread.sleep(10);
        }
        try {
            String endpoint = "http://127.0.0.1:" + proxy.getPort();
            Cli.Run run =
                    Cli.run(
                            "cloud",
                            "aws",
                            "publish",
                            fw.toString(),
                            "--bucket",
                            "releases",
                            "--key",
                            "app/2.0.0/fw.zip",
                            "--region",
                            "us-east-1",
                            "--endpoint",
                            endpoint,
                            "--json");
            assertThat(run.exitCode()).as(run.err()).isZero();
            JsonNode out = json.readTree(run.out());
            assertThat(out.path("s3Uri").asText()).isEqualTo("s3://releases/app/2.0.0/fw.zip");
            assertThat(out.path("size").asLong()).isEqualTo(content.length);
            assertThat(out.path("objectUrl").asText())
                    .isEqualTo(endpoint + "/releases/app/2.0.0/fw.zip");
            String presigned = out.path("presignedUrl").asText();
            byte[] fetched =
                    http.send(
                                    HttpRequest.newBuilder(URI.create(presigned)).build(),
                                    HttpResponse.BodyHandlers.ofByteArray())
                            .body();
            assertThat(fetched).isEqualTo(content);
            assertThat(get(presigned.replace("X-Amz-Signature=", "X-Amz-Signature=0")))
                    .isEqualTo(403);
            assertThat(get(presigned.replace("fw.zip", "fw.zi_"))).isEqualTo(403);
            assertThat(get(out.path("objectUrl").asText())).isEqualTo(403);

            Cli.Run shortLived =
                    Cli.run(
                            "cloud",
                            "aws",
                            "publish",
                            fw.toString(),
                            "--bucket",
                            "releases",
                            "--region",
                            "us-east-1",
                            "--endpoint",
                            endpoint,
                            "--presign-for",
                            "PT1S");
            assertThat(shortLived.exitCode()).as(shortLived.err()).isZero();
            assertThat(shortLived.out())
                    .contains("published s3://releases/fw.zip (200,000 bytes, 1 part, sha256 ");
            String url =
                    shortLived
                            .out()
                            .lines()
                            .filter(l -> l.startsWith("presigned URL: "))
                            .findFirst()
                            .orElseThrow()
                            .substring("presigned URL: ".length());
            Thread.sleep(2100);
            assertThat(get(url)).isEqualTo(403);

            Cli.Run missingBucket =
                    Cli.run(
                            "cloud",
                            "aws",
                            "publish",
                            fw.toString(),
                            "--bucket",
                            "nope",
                            "--region",
                            "us-east-1",
                            "--endpoint",
                            endpoint);
            assertThat(missingBucket.exitCode()).isEqualTo(3);
            assertThat(missingBucket.err()).contains("upload to s3://nope/fw.zip failed");
        } finally {
            proxy.stop();
        }
        Cli.Run usage =
                Cli.run(
                        "cloud",
                        "aws",
                        "publish",
                        fw.toString(),
                        "--bucket",
                        "b",
                        "--region",
                        "us-east-1",
                        "--presign-for",
                        "P8D");
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.err()).contains("--presign-for must be between PT1S and P7D");
    }

    @Test
    void deployDryRunPrintsTheCreateJobBody() throws Exception {
        Cli.Run run =
                Cli.run(
                        "cloud",
                        "aws",
                        "deploy",
                        "--job-id",
                        "ota-2-0-0",
                        "--target",
                        "arn:aws:iot:eu-west-1:123456789012:thinggroup/canary",
                        "--url",
                        "https://example.com/fw.zip?sig=1",
                        "--size",
                        "1234",
                        "--signature",
                        "MEUCIQ==",
                        "--base-rate",
                        "10",
                        "--increase-after-succeeded",
                        "5",
                        "--max-per-minute",
                        "100",
                        "--abort-percent",
                        "20",
                        "--in-progress-timeout",
                        "30",
                        "--retry-timed-out",
                        "2",
                        "--dry-run");
        assertThat(run.exitCode()).as(run.err()).isZero();
        CreateJobRequest body =
                JobsJson.mapper().readValue(run.out(), CreateJobRequest.class).validate();
        AfrOtaDocument doc = AfrOtaDocument.parse(JobsJson.mapper().readTree(body.document()));
        assertThat(doc.files().get(0).filesize()).isEqualTo(1234);
        assertThat(doc.files().get(0).sigSha256Ecdsa()).isEqualTo("MEUCIQ==");
        assertThat(
                        body.jobExecutionsRolloutConfig()
                                .exponentialRate()
                                .rateIncreaseCriteria()
                                .numberOfSucceededThings())
                .isEqualTo(5);
        assertThat(body.abortConfig().criteriaList().get(0).thresholdPercentage()).isEqualTo(20.0);
        assertThat(body.jobExecutionsRetryConfig().criteriaList().get(0).failureType())
                .isEqualTo("TIMED_OUT");

        Cli.Run bad =
                Cli.run(
                        "cloud",
                        "aws",
                        "deploy",
                        "--job-id",
                        "ota",
                        "--target",
                        "arn:aws:iot:x",
                        "--url",
                        "https://x",
                        "--size",
                        "1",
                        "--signature",
                        "AA==",
                        "--increment-factor",
                        "9",
                        "--base-rate",
                        "1",
                        "--increase-after-notified",
                        "1",
                        "--dry-run");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("incrementFactor must be 1.1..5");
    }

    @Test
    void deployAndStatusSpeakSignedRestToAnIotEndpoint() throws Exception {
        SigV4Verifier verifier =
                new SigV4Verifier(
                        List.of(new AccessKey(KEY_ID, SECRET, "pipeline")),
                        "eu-west-1",
                        Set.of("iot"),
                        Clock.systemUTC(),
                        SigV4Verifier.DEFAULT_MAX_SKEW);
        List<String> seen = new ArrayList<>();
        Map<String, CreateJobRequest> jobs = new HashMap<>();
        HttpServer server =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> serve(ex, verifier, seen, jobs));
        server.start();
        try {
            String endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
            Path sig =
                    Files.write(tmp.resolve("fw.sig"), new byte[] {0x30, 0x06, 2, 1, 1, 2, 1, 1});
            Path fw = Files.write(tmp.resolve("fw.zip"), new byte[4321]);
            Cli.Run deploy =
                    Cli.run(
                            "cloud",
                            "aws",
                            "deploy",
                            "--job-id",
                            "ota-7",
                            "--thing-group",
                            "canary",
                            "--s3",
                            "s3://releases/fw.zip",
                            "--role-arn",
                            "arn:aws:iam::123456789012:role/ota",
                            "--file",
                            fw.toString(),
                            "--signature-file",
                            sig.toString(),
                            "--region",
                            "eu-west-1",
                            "--endpoint",
                            endpoint,
                            "--json");
            assertThat(deploy.exitCode()).as(deploy.err()).isZero();
            assertThat(json.readTree(deploy.out()).path("jobArn").asText())
                    .isEqualTo("arn:aws:iot:eu-west-1:123456789012:job/ota-7");
            CreateJobRequest created = jobs.get("ota-7");
            assertThat(created.targets())
                    .containsExactly("arn:aws:iot:eu-west-1:123456789012:thinggroup/canary");
            assertThat(created.presignedUrlConfig().expiresInSec()).isEqualTo(3600);
            assertThat(
                            AfrOtaDocument.parse(JobsJson.mapper().readTree(created.document()))
                                    .files()
                                    .get(0)
                                    .updateDataUrl())
                    .isEqualTo(
                            "${aws:iot:s3-presigned-url:https://releases.s3.amazonaws.com/fw.zip}");

            Cli.Run status =
                    Cli.run(
                            "cloud",
                            "aws",
                            "status",
                            "ota-7",
                            "--region",
                            "eu-west-1",
                            "--endpoint",
                            endpoint,
                            "--json");
            assertThat(status.exitCode()).as(status.err()).isEqualTo(1);
            JsonNode s = json.readTree(status.out());
            assertThat(s.path("status").asText()).isEqualTo("IN_PROGRESS");
            assertThat(s.path("counts").path("succeeded").asInt()).isEqualTo(1);
            assertThat(s.path("things").path("dev1").asText()).isEqualTo("SUCCEEDED");
            assertThat(s.path("things").path("dev2").asText()).isEqualTo("FAILED");
            assertThat(seen)
                    .containsExactly(
                            "DescribeThingGroup",
                            "CREATE_JOB",
                            "DESCRIBE_JOB",
                            "LIST_JOB_EXECUTIONS_FOR_JOB",
                            "LIST_JOB_EXECUTIONS_FOR_JOB");

            Cli.Run unknown =
                    Cli.run(
                            "cloud",
                            "aws",
                            "status",
                            "nope",
                            "--region",
                            "eu-west-1",
                            "--endpoint",
                            endpoint);
            assertThat(unknown.exitCode()).isEqualTo(3);
            assertThat(unknown.err()).contains("no job nope");

            System.setProperty("aws.secretAccessKey", SECRET + "x");
            Cli.Run forged =
                    Cli.run(
                            "cloud",
                            "aws",
                            "status",
                            "ota-7",
                            "--region",
                            "eu-west-1",
                            "--endpoint",
                            endpoint);
            assertThat(forged.exitCode()).isEqualTo(3);
            assertThat(forged.err()).contains("signature does not match");
        } finally {
            server.stop(0);
        }
    }

    /** A minimal IoT endpoint: SigV4 first, then the operation, answered with Meerkat's shapes. */
    private static void serve(
            HttpExchange ex,
            SigV4Verifier verifier,
            List<String> seen,
            Map<String, CreateJobRequest> jobs)
            throws IOException {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(64 * 1024);
        }
        Verification v =
                verifier.verify(
                        new SignedRequest(
                                ex.getRequestMethod(),
                                ex.getRequestURI().getRawPath(),
                                ex.getRequestURI().getRawQuery(),
                                ex.getRequestHeaders(),
                                body));
        if (v instanceof Verification.Refused r) {
            reply(ex, 403, r.errorType(), new IotError(r.reason()));
            return;
        }
        String path = ex.getRequestURI().getRawPath();
        String arn = "arn:aws:iot:eu-west-1:123456789012:";
        if (path.equals("/thing-groups/canary") && ex.getRequestMethod().equals("GET")) {
            seen.add("DescribeThingGroup");
            reply(
                    ex,
                    200,
                    null,
                    Map.of("thingGroupName", "canary", "thingGroupArn", arn + "thinggroup/canary"));
            return;
        }
        IotOperation.Match m = IotOperation.route(ex.getRequestMethod(), path).orElse(null);
        if (m == null) {
            reply(ex, 404, "ResourceNotFoundException", new IotError("no such operation"));
            return;
        }
        seen.add(m.operation().name());
        String jobId = m.pathParameters().get("jobId");
        switch (m.operation()) {
            case CREATE_JOB -> {
                jobs.put(jobId, JobsJson.mapper().readValue(body, CreateJobRequest.class));
                reply(ex, 200, null, new CreateJobResponse(arn + "job/" + jobId, jobId, null));
            }
            case DESCRIBE_JOB -> {
                if (!jobs.containsKey(jobId)) {
                    reply(ex, 404, "ResourceNotFoundException", new IotError("no job " + jobId));
                    return;
                }
                reply(
                        ex,
                        200,
                        null,
                        new DescribeJobResponse(
                                null,
                                new Job(
                                        arn + "job/" + jobId,
                                        jobId,
                                        "SNAPSHOT",
                                        "IN_PROGRESS",
                                        false,
                                        null,
                                        null,
                                        null,
                                        null,
                                        null,
                                        null,
                                        null,
                                        1L,
                                        2L,
                                        null,
                                        new Job.JobProcessDetails(null, 0, 1, 1, 0, 0, 0, 0, 0),
                                        null,
                                        null)));
            }
            case LIST_JOB_EXECUTIONS_FOR_JOB -> {
                boolean first =
                        ex.getRequestURI().getRawQuery() == null
                                || !ex.getRequestURI().getRawQuery().contains("nextToken");
                String thing = first ? "dev1" : "dev2";
                reply(
                        ex,
                        200,
                        null,
                        new ListJobExecutionsForJobResponse(
                                List.of(
                                        new ListJobExecutionsForJobResponse.Entry(
                                                arn + "thing/" + thing,
                                                new ListJobExecutionsForJobResponse.Summary(
                                                        first ? "SUCCEEDED" : "FAILED",
                                                        1L,
                                                        2L,
                                                        3L,
                                                        1L,
                                                        0))),
                                first ? "page-2" : null));
            }
            default -> reply(ex, 400, "InvalidRequestException", new IotError("not used here"));
        }
    }

    private static void reply(HttpExchange ex, int status, String errorType, Object body)
            throws IOException {
        byte[] out = JobsJson.write(body);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        if (errorType != null) {
            ex.getResponseHeaders().add(IotError.ERROR_TYPE_HEADER, errorType);
        }
        ex.sendResponseHeaders(status, out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }
}
